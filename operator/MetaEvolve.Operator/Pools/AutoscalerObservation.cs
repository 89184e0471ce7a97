using k8s.Models;
using MetaEvolve.Operator.Keda;

namespace MetaEvolve.Operator.Pools;

/// <summary>The autoscaler child a reconcile left in place (at most one of them), or why it could not.</summary>
/// <param name="Problem">Why the mode's autoscaler could not be applied, e.g. KEDA is not installed.</param>
public sealed record AutoscalerObservation(V2HorizontalPodAutoscaler? Hpa, KedaScaledObject? ScaledObject, string? Problem)
{
    public static AutoscalerObservation None { get; } = new(null, null, null);
}
