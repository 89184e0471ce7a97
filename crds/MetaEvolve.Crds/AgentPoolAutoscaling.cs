using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using k8s.Models;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

/// <summary>Who decides the number of workers.</summary>
public enum AutoscalingMode
{
    /// <summary>An autoscaling/v2 HorizontalPodAutoscaler on the operator's external queue-lag metric.</summary>
    Hpa,

    /// <summary>A KEDA ScaledObject with a nats-jetstream trigger.</summary>
    Keda,

    /// <summary>A fixed spec.replicas.</summary>
    None,
}

[CelRule("self.minReplicas <= self.maxReplicas", "minReplicas must be less than or equal to maxReplicas", FieldPath = ".minReplicas")]
public sealed class AgentPoolAutoscaling
{
    [SchemaDefault(AgentPoolDefaults.Mode)]
    [Description("Hpa scales with a HorizontalPodAutoscaler on queue lag, Keda emits a KEDA ScaledObject, None keeps spec.replicas.")]
    public AutoscalingMode? Mode { get; set; }

    [Range(0, 1000), SchemaDefault(AgentPoolDefaults.MinReplicas)]
    [Description("Fewest replicas; 0 lets an idle pool scale to zero after cooldownSeconds without lag.")]
    public int? MinReplicas { get; set; }

    [Range(1, 1000), SchemaDefault(AgentPoolDefaults.MaxReplicas)]
    [Description("Most replicas.")]
    public int? MaxReplicas { get; set; }

    [Range(1, 1_000_000), SchemaDefault(AgentPoolDefaults.TargetLagPerReplica)]
    [Description("Queue lag (pending plus in-flight tasks) each replica should carry; the autoscaler's target average value.")]
    public int? TargetLagPerReplica { get; set; }

    [Range(0, 1_000_000), SchemaDefault(AgentPoolDefaults.ActivationLag)]
    [Description("Lag above which a pool scaled to zero starts its first replica.")]
    public int? ActivationLag { get; set; }

    [Range(0, 86_400), SchemaDefault(AgentPoolDefaults.CooldownSeconds)]
    [Description("Seconds without lag before a pool with minReplicas 0 scales to zero.")]
    public int? CooldownSeconds { get; set; }

    [Description("Scale-up and scale-down policies passed to the HorizontalPodAutoscaler (or KEDA's).")]
    public V2HorizontalPodAutoscalerBehavior? Behavior { get; set; }
}
