#!/usr/bin/env bash
# `make images`: builds ghcr.io/metaevolve/{operator,agent-runtime,gateway}:<version> offline, as OCI archives in
# artifacts/images/<component>.tar (`skopeo inspect oci-archive:artifacts/images/operator.tar` reads them).
#
#   1. base image: Debian bookworm minbase with what .NET needs (ca-certificates, libicu72, libssl3, tzdata) and a
#      nonroot user (65532), from mmdebstrap, made an OCI image with umoci (cached in artifacts/images/base/ until
#      this script changes);
#   2. a loopback docker-registry serves it, skopeo copies it in;
#   3. each component is published self-contained for linux-x64 with the SDK's container support on top of it:
#      /app/<assembly> as the entrypoint, user 65532, OCI labels (source, version, revision).
#
# Settings: METAEVOLVE_REGISTRY_PORT [15000] the loopback registry's port.
# Exits non-zero on any failure; stops the registry it started in every case.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo_dir="$(pwd -P)"

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)"
[[ -n $version ]] || { echo "error: no <Version> in Directory.Build.props" >&2; exit 1; }
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
source_url="https://github.com/metaevolve/metaevolve"
registry_port="${METAEVOLVE_REGISTRY_PORT:-15000}"
registry="127.0.0.1:$registry_port"
out="$repo_dir/artifacts/images"
base_dir="$out/base"
nonroot=65532

# component → project. The image is ghcr.io/metaevolve/<component>, its entrypoint the project's apphost.
components=(
  "operator:operator/MetaEvolve.Operator.Host/MetaEvolve.Operator.Host.csproj"
  "agent-runtime:agent-runtime/MetaEvolve.AgentRuntime/MetaEvolve.AgentRuntime.csproj"
  "gateway:gateway/MetaEvolve.Gateway/MetaEvolve.Gateway.csproj"
)

# Further published file sets shipped inside a component's image, as "<component>:<project>:<folder under /app>",
# e.g. a helper executable the component starts. Each is published self-contained for linux-x64 and added to
# that component's image as one more layer.
extra_file_sets=()

log() { printf 'images: %s\n' "$*" >&2; }

hack/tools.sh images
mkdir -p "$out"
work="$(mktemp -d)"
registry_pid=""
cleanup() {
  if [[ -n $registry_pid ]]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# 1. The base image, rebuilt when its definition below changes (bump this when you change it).
stamp="bookworm-minbase ca-certificates libicu72 libssl3 tzdata nonroot:$nonroot r1"
if [[ ! -f $base_dir/stamp || $(cat "$base_dir/stamp") != "$stamp" ]]; then
  log "base: mmdebstrap bookworm minbase (about a minute)"
  rm -rf "$base_dir"
  mkdir -p "$base_dir"
  mmdebstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,tzdata \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --customize-hook="echo 'nonroot:x:$nonroot:$nonroot:nonroot:/home/nonroot:/usr/sbin/nologin' >> \"\$1/etc/passwd\"" \
    --customize-hook="echo 'nonroot:x:$nonroot:' >> \"\$1/etc/group\"" \
    --customize-hook="mkdir -p \"\$1/home/nonroot\" && chown $nonroot:$nonroot \"\$1/home/nonroot\"" \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*' \
    --format=tar bookworm "$work/rootfs.tar" >"$work/mmdebstrap.log" 2>&1 \
    || { tail -20 "$work/mmdebstrap.log" >&2; exit 1; }
  umoci init --layout "$base_dir/oci"
  umoci new --image "$base_dir/oci:bookworm"
  umoci raw add-layer --image "$base_dir/oci:bookworm" "$work/rootfs.tar"
  umoci config --image "$base_dir/oci:bookworm" --config.user "$nonroot:$nonroot" --config.workingdir /app \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.label org.opencontainers.image.description="Debian bookworm minbase with ca-certificates, libicu72, libssl3, tzdata"
  echo "$stamp" >"$base_dir/stamp"
fi

# 2. A loopback registry for the SDK to pull the base from.
cat >"$work/registry.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: $registry
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 1 50); do
  curl -fsS "http://$registry/v2/" >/dev/null 2>&1 && break
  kill -0 "$registry_pid" 2>/dev/null || { cat "$work/registry.log" >&2; echo "error: docker-registry did not start on $registry" >&2; exit 1; }
  sleep 0.2
done
skopeo copy --quiet --dest-tls-verify=false "oci:$base_dir/oci:bookworm" "docker://$registry/metaevolve/base:bookworm"

# 3. The components.
export DOTNET_CONTAINER_INSECURE_REGISTRIES="$registry" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for entry in "${components[@]}"; do
  component="${entry%%:*}"
  project="${entry#*:}"
  archive="$out/$component.tar"
  log "$component: dotnet publish -t:PublishContainer → ${archive#"$repo_dir"/}"
  rm -f "$archive"
  # ReadyToRun (code compiled ahead of time) for the services that start under load: a worker waking a pool from zero
  # fetched its first task about a quarter sooner (make bench-runtime). Not the operator: its cold start is bound by
  # reconciling, not the JIT, and the precompiled code raised its peak memory by 14 MB for 1,000 pools (make bench-operator).
  ready_to_run=true
  [[ $component == operator ]] && ready_to_run=false
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=$ready_to_run -t:PublishContainer \
    -p:ContainerBaseImage="$registry/metaevolve/base:bookworm" \
    -p:ContainerRegistry=ghcr.io \
    -p:ContainerRepository="metaevolve/$component" \
    -p:ContainerImageTags="$version" \
    -p:ContainerArchiveOutputPath="$work/$component.tar" \
    -p:ContainerUser="$nonroot" \
    -p:ContainerTitle="$component" -p:ContainerAuthors=MetaEvolve -p:ContainerDescription="MetaEvolve $component" \
    -p:PublishRepositoryUrl=true -p:RepositoryType=git -p:PrivateRepositoryUrl="$source_url" \
    -p:SourceRevisionId="$revision" \
    -p:ContainerGenerateLabelsImageBaseName=false \
    -p:IncludeSourceRevisionInInformationalVersion=false \
    -nologo -v:quiet >"$work/$component.log" 2>&1 \
    || { tail -30 "$work/$component.log" >&2; exit 1; }
  [[ -f $work/$component.tar ]] || { echo "error: $project published no archive" >&2; exit 1; }
  # The SDK names an archive's image docker.io/<repository>; the reference is the full ghcr.io name, so
  # `ctr images import` (k3s, containerd) and `docker load` give it the name the chart deploys.
  skopeo copy --quiet "oci-archive:$work/$component.tar" "oci-archive:$archive:ghcr.io/metaevolve/$component:$version"
done

for entry in "${extra_file_sets[@]}"; do
  IFS=: read -r component project folder <<<"$entry"
  archive="$out/$component.tar"
  log "$component: adding $project as /app/$folder"
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true -o "$work/extra/$folder" -nologo -v:quiet >"$work/extra.log" 2>&1 \
    || { tail -30 "$work/extra.log" >&2; exit 1; }
  layout="$work/layout-$component"
  skopeo copy --quiet "oci-archive:$archive" "oci:$layout:$version"
  umoci insert --image "$layout:$version" --rootless "$work/extra/$folder" "/app/$folder"
  rm -f "$archive"
  skopeo copy --quiet "oci:$layout:$version" "oci-archive:$archive:ghcr.io/metaevolve/$component:$version"
done

for entry in "${components[@]}"; do
  component="${entry%%:*}"
  archive="$out/$component.tar"
  user="$(skopeo inspect --config "oci-archive:$archive" | sed -n 's/.*"User": *"\([^"]*\)".*/\1/p' | head -1)"
  [[ -n $user && $user != 0 && $user != root && $user != 0:* ]] || { echo "error: $archive runs as '${user:-root}', not a non-root user" >&2; exit 1; }
  printf 'images: ghcr.io/metaevolve/%s:%s  %s  user %s\n' "$component" "$version" "$(du -h "$archive" | cut -f1)" "$user"
done
