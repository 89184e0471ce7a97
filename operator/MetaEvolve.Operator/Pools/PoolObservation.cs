using k8s.Models;

namespace MetaEvolve.Operator.Pools;

/// <summary>What a pool reconcile found: the Deployment as the API server has it, and the consumer's state.</summary>
/// <param name="QueueError">Why the stream or consumer could not be applied; null when they are in place.</param>
public sealed record PoolObservation(V1Deployment? Deployment, string? QueueError, IReadOnlyList<string> Agents);
