using MetaEvolve.Core.Regions;

namespace MetaEvolve.Operator.Regions;

/// <summary>This region's <see cref="RegionHealth"/> from the readings of its pools, advancing the unavailability clock.</summary>
public static class RegionHealthAnnouncement
{
    public static RegionHealth Build(string region, IReadOnlyList<PoolReading> pools, PoolUnavailabilityClock clock, DateTimeOffset now, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(region);
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(clock);
        clock.KeepOnly(pools.Select(p => p.Pool).ToHashSet());
        return new RegionHealth
        {
            Region = region,
            At = now,
            IntervalSeconds = interval.TotalSeconds,
            Pools = [.. pools
                .OrderBy(p => p.Pool.Namespace, StringComparer.Ordinal).ThenBy(p => p.Pool.Name, StringComparer.Ordinal)
                .Select(p => new PoolHealth(p.Pool.Namespace, p.Pool.Name, p.ReadyWorkers, p.Lag,
                    clock.Observe(p.Pool, p.HasWork, p.ReadyWorkers, now), p.Federation))],
        };
    }
}
