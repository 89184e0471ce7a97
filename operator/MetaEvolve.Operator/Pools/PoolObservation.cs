using k8s.Models;
using MetaEvolve.Operator.Scaling;

namespace MetaEvolve.Operator.Pools;

/// <summary>What a pool reconcile found: the Deployment as the API server has it, the consumer's state, the queue and
/// the autoscaler.</summary>
/// <param name="QueueError">Why the stream or consumer could not be applied; null when they are in place.</param>
/// <param name="Queue">The last queue reading; null before the first.</param>
public sealed record PoolObservation(
    V1Deployment? Deployment,
    string? QueueError,
    IReadOnlyList<string> Agents,
    PoolQueueState? Queue = null,
    AutoscalerObservation? Autoscaler = null);
