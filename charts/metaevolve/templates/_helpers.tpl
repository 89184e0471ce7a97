{{/* The release's base name: the release name, with "metaevolve" appended unless it holds it already. */}}
{{- define "metaevolve.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "metaevolve.operator.fullname" -}}{{ include "metaevolve.fullname" . }}-operator{{- end -}}
{{- define "metaevolve.gateway.fullname" -}}{{ include "metaevolve.fullname" . }}-gateway{{- end -}}

{{- define "metaevolve.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: metaevolve
{{- end -}}

{{- define "metaevolve.labels" -}}
{{ include "metaevolve.commonLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The operator's pods; config/external-metrics/service.yaml selects the same name label. */}}
{{- define "metaevolve.operator.selectorLabels" -}}
app.kubernetes.io/name: metaevolve-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "metaevolve.operator.labels" -}}
{{ include "metaevolve.commonLabels" . }}
{{ include "metaevolve.operator.selectorLabels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "metaevolve.gateway.selectorLabels" -}}
app.kubernetes.io/name: metaevolve-gateway
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "metaevolve.gateway.labels" -}}
{{ include "metaevolve.commonLabels" . }}
{{ include "metaevolve.gateway.selectorLabels" . }}
app.kubernetes.io/component: gateway
{{- end -}}

{{/* <registry>/<repository>:<tag>, the tag defaulting to the chart's appVersion. */}}
{{- define "metaevolve.image" -}}
{{- $root := index . 0 -}}
{{- $repository := index . 1 -}}
{{- printf "%s/%s:%s" $root.Values.image.registry $repository (default $root.Chart.AppVersion $root.Values.image.tag) -}}
{{- end -}}

{{/* An env entry for one connection setting: from its Secret when one is named, else its value; neither fails. */}}
{{- define "metaevolve.connectionEnv" -}}
{{- $root := index . 0 -}}
{{- $field := index . 1 -}}
{{- $variable := index . 2 -}}
{{- $setting := index $root.Values.connections $field -}}
- name: {{ $variable }}
{{- if and $setting.secretKeyRef $setting.secretKeyRef.name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "connections.%s.secretKeyRef.name is required" $field) $setting.secretKeyRef.name }}
      key: {{ required (printf "connections.%s.secretKeyRef.key is required with its name" $field) $setting.secretKeyRef.key }}
{{- else }}
  value: {{ required (printf "connections.%s: set value or secretKeyRef {name, key}" $field) $setting.value | quote }}
{{- end }}
{{- end -}}

{{- define "metaevolve.connectionsEnv" -}}
{{ include "metaevolve.connectionEnv" (list . "nats" "METAEVOLVE_NATS_URL") }}
{{ include "metaevolve.connectionEnv" (list . "postgres" "METAEVOLVE_POSTGRES") }}
{{ include "metaevolve.connectionEnv" (list . "redis" "METAEVOLVE_REDIS") }}
{{- with .Values.connections.nats.root }}
- name: METAEVOLVE_NATS_ROOT
  value: {{ . | quote }}
{{- end }}
{{ include "metaevolve.regionEnv" . }}
{{- end -}}

{{/*
The region and its peers (ConnectionOptions reads them; the operator hands them on to the workers). The schema checks
each name; what it cannot say across two values is checked here, naming region.peers as the operator would.
*/}}
{{- define "metaevolve.regionEnv" -}}
{{- $region := .Values.region -}}
{{- if and $region.peers (not $region.name) -}}
{{- fail (printf "region.peers (%s) needs region.name: a region needs a name of its own to federate" (join ", " $region.peers)) -}}
{{- end -}}
{{- if and $region.name (has $region.name $region.peers) -}}
{{- fail (printf "region.peers lists region.name ('%s') itself: peers are the other regions" $region.name) -}}
{{- end -}}
{{- with $region.name }}
- name: METAEVOLVE_REGION
  value: {{ . | quote }}
{{- end }}
{{- with $region.peers }}
- name: METAEVOLVE_PEERS
  value: {{ join "," . | quote }}
{{- end }}
{{- end -}}

{{/* The root of this installation's NATS names, as NatsNames spells its default. */}}
{{- define "metaevolve.natsRoot" -}}{{ default "metaevolve" .Values.connections.nats.root }}{{- end -}}

{{/* Non-root, nothing writable but /tmp, no capabilities: the same for every container of the chart. */}}
{{- define "metaevolve.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "metaevolve.containerSecurityContext" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The external metrics API's serving certificate: the Secret cert-manager writes, or the chart's own. */}}
{{- define "metaevolve.externalMetrics.secretName" -}}{{ include "metaevolve.operator.fullname" . }}-metrics-tls{{- end -}}
{{- define "metaevolve.externalMetrics.serviceHost" -}}{{ include "metaevolve.operator.fullname" . }}.{{ .Release.Namespace }}.svc{{- end -}}
