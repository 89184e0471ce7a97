using System.ComponentModel;
using k8s.Models;

namespace MetaEvolve.Crds;

public sealed class V1Alpha1AgentPoolStatus
{
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [Description("Worker pods that exist.")]
    public int? Replicas { get; set; }

    [Description("Worker pods ready to take tasks.")]
    public int? ReadyReplicas { get; set; }

    [Description("Replicas the autoscaler (or spec.replicas) asks for.")]
    public int? DesiredReplicas { get; set; }

    [Description("Label selector of the worker pods, for the scale subresource.")]
    public string? Selector { get; set; }

    [Description("Queue depth of the pool's JetStream consumer; its lag (pending plus ackPending) drives the autoscaler.")]
    public AgentPoolQueueStatus? Queue { get; set; }

    [Description("The region whose operator runs this pool (its METAEVOLVE_REGION); absent when regions are not in use.")]
    public string? Region { get; set; }

    [Description("Agents bound to this pool.")]
    public IList<string>? Agents { get; set; }

    [Description("Current state: Ready, Reconciling, Stalled, ScalingActive and, with spec.federation, Federated.")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class AgentPoolQueueStatus
{
    [Description("Tasks not yet delivered to any worker (consumer num_pending).")]
    public long? Pending { get; set; }

    [Description("Tasks delivered and not yet acknowledged (consumer num_ack_pending).")]
    public long? AckPending { get; set; }

    [Description("Tasks delivered more than once (consumer num_redelivered).")]
    public long? Redelivered { get; set; }

    [Description("When these figures were first read; kept while they do not change, so an idle pool's status is not rewritten.")]
    public DateTime? SampledAt { get; set; }
}
