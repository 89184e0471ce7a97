using System.Threading.Channels;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// A de-duplicating queue of keys for one controller worker: a key queued again while it waits is
/// processed once, and <see cref="AddAfter"/> re-queues later (requeue after an error or to re-check).
/// </summary>
public sealed class PendingKeys<TKey> where TKey : notnull
{
    private readonly Channel<TKey> _channel = Channel.CreateUnbounded<TKey>(new() { SingleReader = true });
    private readonly HashSet<TKey> _pending = [];
    private readonly HashSet<TKey> _delayed = [];
    private readonly Lock _gate = new();

    public void Add(TKey key)
    {
        lock (_gate)
        {
            if (!_pending.Add(key))
            {
                return;
            }
        }

        _channel.Writer.TryWrite(key);
    }

    /// <summary>Queues the key after a delay; a key already waiting for its delay is not scheduled twice.</summary>
    public void AddAfter(TKey key, TimeSpan delay, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_delayed.Add(key))
            {
                return;
            }
        }

        _ = Task.Delay(delay, cancellationToken).ContinueWith(_ =>
        {
            lock (_gate)
            {
                _delayed.Remove(key);
            }

            Add(key);
        }, cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Waits for the next key; it may be queued again as soon as it is handed out.</summary>
    public async ValueTask<TKey> TakeAsync(CancellationToken cancellationToken)
    {
        var key = await _channel.Reader.ReadAsync(cancellationToken);
        lock (_gate)
        {
            _pending.Remove(key);
        }

        return key;
    }
}
