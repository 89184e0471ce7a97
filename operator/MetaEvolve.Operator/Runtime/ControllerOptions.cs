namespace MetaEvolve.Operator.Runtime;

/// <summary>How many keys of one kind reconcile at once, and how failures back off.</summary>
public sealed record ControllerOptions
{
    public int Workers { get; init; } = 16;
    public WorkQueueOptions Queue { get; init; } = new();

    /// <summary>Longest one reconcile may take; a reconcile stuck on an unreachable service is retried with backoff.</summary>
    public TimeSpan ReconcileTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often every cached object is queued again without a change (drift repair); zero turns it off.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Longest the manager waits for every cache's first list before the controllers start (controller-runtime's
    /// CacheSyncTimeout, same default); past it the manager fails and the leader starts over with a fresh one.
    /// </summary>
    public TimeSpan CacheSyncTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
