using System.Collections.Concurrent;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Scaling;

/// <summary>
/// The latest <see cref="PoolQueueState"/> of every pool, shared by the queue monitor (which reads NATS) and the pool
/// reconciler (which writes status and takes the 0↔1 step), and mirrored in the queue gauges whoever read them. Record
/// and Fail say whether anything a status shows changed, so an idle queue causes no reconcile and no write.
/// </summary>
public sealed class QueueSamples(OperatorMetrics metrics)
{
    private readonly ConcurrentDictionary<ObjectKey, PoolQueueState> _states = new();

    public PoolQueueState? Get(ObjectKey pool) => _states.TryGetValue(pool, out var state) ? state : null;

    public IEnumerable<ObjectKey> Pools => _states.Keys;

    /// <summary>
    /// Stores a successful read; true when the figures or the error state changed. A read older than the stored one
    /// (a list that began before the reconciler read the consumer itself) is ignored.
    /// </summary>
    public bool Record(ObjectKey pool, QueueLag lag)
    {
        ArgumentNullException.ThrowIfNull(lag);
        var changed = false;
        _states.AddOrUpdate(pool,
            _ =>
            {
                changed = true;
                return new PoolQueueState(lag, null, lag.SampledAt, lag.SampledAt);
            },
            (_, previous) =>
            {
                if (lag.SampledAt < previous.ReadAt)
                {
                    return previous;
                }

                var same = previous.Lag is { } old && old.Pending == lag.Pending && old.AckPending == lag.AckPending && old.Redelivered == lag.Redelivered;
                changed = !same || previous.Error is not null;
                var lastActive = lag.Lag > 0 ? lag.SampledAt : previous.LastActive;
                return new PoolQueueState(same ? previous.Lag : lag, null, lastActive, lag.SampledAt);
            });
        Publish(pool);
        return changed;
    }

    /// <summary>
    /// Stores a failed read made at <paramref name="readAt"/>, keeping the last figures; true when the error is new or
    /// different. Ignored when a newer read is stored.
    /// </summary>
    public bool Fail(ObjectKey pool, string error, DateTime readAt)
    {
        var changed = false;
        _states.AddOrUpdate(pool,
            _ =>
            {
                changed = true;
                return new PoolQueueState(null, error, readAt, readAt);
            },
            (_, previous) =>
            {
                if (readAt < previous.ReadAt)
                {
                    return previous;
                }

                changed = previous.Error != error;
                return previous with { Error = error, ReadAt = readAt };
            });
        Publish(pool);
        return changed;
    }

    public void Forget(ObjectKey pool)
    {
        _states.TryRemove(pool, out _);
        metrics.RemoveQueue(pool.Namespace!, pool.Name);
    }

    private void Publish(ObjectKey pool)
    {
        if (Get(pool) is { Error: null, Lag: { } lag })
        {
            metrics.SetQueue(pool.Namespace!, pool.Name, lag);
        }
        else
        {
            // A stale number would read as a real one; no series says "unknown".
            metrics.RemoveQueue(pool.Namespace!, pool.Name);
        }
    }
}
