using System.Collections.Concurrent;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Regions;

/// <summary>
/// Since when each pool has had work to do and no ready worker. A pool is unavailable while it has work (queue lag,
/// or replicas wanted) and none of its workers is ready; a pool resting at zero with an empty queue is available (a
/// task wakes it). The clock lives for one leadership term: a new leader counts afresh, so it waits a whole
/// failoverAfterSeconds before it moves anything.
/// </summary>
public sealed class PoolUnavailabilityClock
{
    private readonly ConcurrentDictionary<ObjectKey, DateTimeOffset> _since = new();

    /// <summary>Seconds the pool has been unavailable as of <paramref name="now"/>; null while it is available.</summary>
    public double? Observe(ObjectKey pool, bool hasWork, int readyWorkers, DateTimeOffset now)
    {
        if (!hasWork || readyWorkers > 0)
        {
            _since.TryRemove(pool, out _);
            return null;
        }

        var since = _since.GetOrAdd(pool, now);
        return Math.Max(0, (now - since).TotalSeconds);
    }

    /// <summary>Drops the pools not in <paramref name="live"/> (deleted since the last reading).</summary>
    public void KeepOnly(IReadOnlySet<ObjectKey> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        foreach (var pool in _since.Keys.Where(k => !live.Contains(k)))
        {
            _since.TryRemove(pool, out _);
        }
    }
}
