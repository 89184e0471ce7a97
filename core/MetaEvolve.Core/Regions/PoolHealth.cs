namespace MetaEvolve.Core.Regions;

/// <summary>One pool in a <see cref="RegionHealth"/> announcement.</summary>
/// <param name="ReadyWorkers">Ready replicas of the pool's Deployment.</param>
/// <param name="Lag">Its consumer's pending plus in-flight tasks: the lag it autoscales on.</param>
/// <param name="UnavailableSeconds">
/// How long the pool has had work to do (tasks queued, or replicas wanted) and no ready worker; null while it is
/// available. A pool scaled to zero with an empty queue is available: a task wakes it.
/// </param>
/// <param name="Federation">The pool's <c>spec.federation</c>; null when it never sends tasks elsewhere.</param>
public sealed record PoolHealth(string Namespace, string Pool, int ReadyWorkers, long Lag, double? UnavailableSeconds, PoolFederation? Federation)
{
    /// <summary>
    /// True when new tasks of this pool should run in a peer: it has been unavailable for the policy's
    /// <see cref="PoolFederation.FailoverAfterSeconds"/>, or its queue is deeper than <see cref="PoolFederation.SpillOverLag"/>.
    /// </summary>
    public bool WantsPeers => Federation is { } f
        && ((UnavailableSeconds is { } down && down >= f.FailoverAfterSeconds) || (f.SpillOverLag is { } most && Lag > most));

    /// <summary>True when its pool has been unavailable long enough that its queued tasks should move to a peer.</summary>
    public bool FailedOver => Federation is { } f && UnavailableSeconds is { } down && down >= f.FailoverAfterSeconds;

    /// <summary>True when this pool may take a peer's tasks: it is available and not itself sending tasks away.</summary>
    public bool TakesWork => UnavailableSeconds is null && !WantsPeers;
}

/// <summary>An AgentPool's <c>spec.federation</c>, as its region announces it.</summary>
/// <param name="Peers">Regions to send tasks to, in order of preference.</param>
/// <param name="SpillOverLag">Queue depth above which new tasks go to a peer; null: only failover.</param>
/// <param name="FailoverAfterSeconds">How long the pool may be unavailable before its tasks go to a peer.</param>
public sealed record PoolFederation(IReadOnlyList<string> Peers, long? SpillOverLag, int FailoverAfterSeconds);
