using System.Collections.Concurrent;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Scaling;

/// <summary>
/// The latest <see cref="PoolQueueState"/> of every pool, shared by the queue monitor (which reads NATS) and the pool
/// reconciler (which writes status and takes the 0↔1 step). Record and Fail say whether anything a status shows
/// changed, so an idle queue causes no reconcile and no write.
/// </summary>
public sealed class QueueSamples
{
    private readonly ConcurrentDictionary<ObjectKey, PoolQueueState> _states = new();

    public PoolQueueState? Get(ObjectKey pool) => _states.TryGetValue(pool, out var state) ? state : null;

    public IEnumerable<ObjectKey> Pools => _states.Keys;

    /// <summary>Stores a successful read; true when the figures or the error state changed.</summary>
    public bool Record(ObjectKey pool, QueueLag lag)
    {
        ArgumentNullException.ThrowIfNull(lag);
        var changed = false;
        _states.AddOrUpdate(pool,
            _ =>
            {
                changed = true;
                return new PoolQueueState(lag, null, lag.SampledAt);
            },
            (_, previous) =>
            {
                var same = previous.Lag is { } old && old.Pending == lag.Pending && old.AckPending == lag.AckPending && old.Redelivered == lag.Redelivered;
                changed = !same || previous.Error is not null;
                var lastActive = lag.Lag > 0 ? lag.SampledAt : previous.LastActive;
                return new PoolQueueState(same ? previous.Lag : lag, null, lastActive);
            });
        return changed;
    }

    /// <summary>Stores a failed read, keeping the last figures; true when the error is new or different.</summary>
    public bool Fail(ObjectKey pool, string error, DateTime now)
    {
        var changed = false;
        _states.AddOrUpdate(pool,
            _ =>
            {
                changed = true;
                return new PoolQueueState(null, error, now);
            },
            (_, previous) =>
            {
                changed = previous.Error != error;
                return previous with { Error = error };
            });
        return changed;
    }

    public void Forget(ObjectKey pool) => _states.TryRemove(pool, out _);
}
