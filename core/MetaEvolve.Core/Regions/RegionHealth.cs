namespace MetaEvolve.Core.Regions;

/// <summary>
/// What a region's operator announces every <see cref="IntervalSeconds"/> on <see cref="NatsNames.RegionHealth"/>: the
/// health of each of its pools. Gateways of every region read it to choose where a task runs, a peer's forwarder to
/// know where to move queued work, and a gateway's readiness to say whether its region can run tasks. Core NATS crosses
/// leafnodes with no configuration; an announcement older than <see cref="StaleAfter"/> counts as none.
/// </summary>
public sealed record RegionHealth
{
    public required string Region { get; init; }

    /// <summary>When the operator took the reading.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>How often the operator announces; a reader waits three of these before it calls the region silent.</summary>
    public required double IntervalSeconds { get; init; }

    public IReadOnlyList<PoolHealth> Pools { get; init; } = [];

    /// <summary>How old an announcement may be before it says nothing about the region any more.</summary>
    public TimeSpan StaleAfter => TimeSpan.FromSeconds(IntervalSeconds * 3);

    public PoolHealth? Pool(string ns, string pool) => Pools.FirstOrDefault(p => p.Namespace == ns && p.Pool == pool);
}
