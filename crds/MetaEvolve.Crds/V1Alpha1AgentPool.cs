using System.ComponentModel;
using k8s;
using k8s.Models;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePlural)]
[Description("AgentPool runs agent-runtime workers as a Deployment that pulls the pool's tasks from NATS JetStream and autoscales on queue depth.")]
[ShortNames("ap"), Categories("metaevolve")]
[ScaleSubresource(".spec.replicas", ".status.replicas", ".status.selector")]
[CelRule(ResourceNames.NameRule, ResourceNames.NameRuleMessage)]
[PrinterColumn(1, "Mode", "string", ".spec.autoscaling.mode", "Autoscaling mode.")]
[PrinterColumn(2, "Min", "integer", ".spec.autoscaling.minReplicas", "Fewest replicas the autoscaler keeps.")]
[PrinterColumn(3, "Max", "integer", ".spec.autoscaling.maxReplicas", "Most replicas the autoscaler runs.")]
[PrinterColumn(4, "Ready", "integer", ".status.readyReplicas", "Worker replicas ready to take tasks.")]
[PrinterColumn(5, "Desired", "integer", ".status.desiredReplicas", "Replicas the autoscaler wants.")]
[PrinterColumn(6, "Pending", "integer", ".status.queue.pending", "Tasks waiting in the queue.")]
[PrinterColumn(7, "InFlight", "integer", ".status.queue.ackPending", "Tasks delivered to a worker and not yet acknowledged.")]
[PrinterColumn(8, "Status", "string", ".status.conditions[?(@.type==\"Ready\")].reason", "Reason of the Ready condition.")]
[PrinterColumn(9, "Region", "string", ".status.region", "Region whose operator runs the pool; empty without regions.")]
[PrinterColumn(10, "Age", "date", ".metadata.creationTimestamp", "Time since creation.")]
public sealed class V1Alpha1AgentPool : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1AgentPoolSpec>, IStatus<V1Alpha1AgentPoolStatus>
{
    public const string KubeKind = "AgentPool";
    public const string KubePlural = "agentpools";

    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;
    public string Kind { get; set; } = KubeKind;
    public V1ObjectMeta Metadata { get; set; } = new();

    [SchemaDefault("{}")]
    [Description("Desired state of the pool. Every field is optional: an empty spec runs the operator's default image with HPA autoscaling between 1 and 10 replicas.")]
    public V1Alpha1AgentPoolSpec Spec { get; set; } = new();

    [Description("Observed state of the pool, written by the operator.")]
    public V1Alpha1AgentPoolStatus Status { get; set; } = new();
}
