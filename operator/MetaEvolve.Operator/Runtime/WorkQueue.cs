namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// A de-duplicating work queue in the manner of client-go's: a key waits in the queue at most once;
/// a key being processed is never handed to a second worker, and a key added while it is processed
/// is queued again when the worker calls <see cref="Done"/> — so a change that arrives mid-reconcile
/// (a status update, a child's event) is never lost. Delayed adds keep only the earliest due time per key;
/// failures back off exponentially per key until <see cref="Forget"/>.
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly Dictionary<TKey, (DateTimeOffset Due, ITimer Timer)> _waiting = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly WorkQueueOptions _settings;
    private readonly TimeProvider _time;
    private bool _shutDown;

    public WorkQueue(WorkQueueOptions? settings = null, TimeProvider? time = null)
    {
        _settings = settings ?? new WorkQueueOptions();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Keys waiting for a worker (not those being processed or waiting for a delay).</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Keys waiting for a delay to pass (requeue-after and error backoff).</summary>
    public int Delayed
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    public void Add(TKey key)
    {
        lock (_gate)
        {
            if (_shutDown || !_dirty.Add(key) || _processing.Contains(key))
            {
                return;
            }

            _queue.Enqueue(key);
        }

        _available.Release();
    }

    /// <summary>Adds the key once <paramref name="delay"/> has passed; an earlier pending add of the same key wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_shutDown)
            {
                return;
            }

            var due = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            ITimer? timer = null;
            timer = _time.CreateTimer(_ => Fire(key, timer!), null, delay, Timeout.InfiniteTimeSpan);
            _waiting[key] = (due, timer);
        }
    }

    /// <summary>Adds the key after the backoff its consecutive failures earned.</summary>
    public TimeSpan AddRateLimited(TKey key)
    {
        int failures;
        lock (_gate)
        {
            failures = _failures.TryGetValue(key, out var n) ? n + 1 : 1;
            _failures[key] = failures;
        }

        var delay = _settings.BackoffFor(failures);
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Resets the key's failure count (after a successful reconcile).</summary>
    public void Forget(TKey key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    public int Failures(TKey key)
    {
        lock (_gate)
        {
            return _failures.TryGetValue(key, out var n) ? n : 0;
        }
    }

    /// <summary>Waits for a key and marks it as processing; the caller must call <see cref="Done"/>.</summary>
    public async Task<TKey> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken);
            lock (_gate)
            {
                if (_queue.TryDequeue(out var key))
                {
                    _dirty.Remove(key);
                    _processing.Add(key);
                    return key;
                }
            }
        }
    }

    /// <summary>Ends processing of the key; if it was added meanwhile, it is queued again.</summary>
    public void Done(TKey key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_shutDown || !_dirty.Contains(key))
            {
                return;
            }

            _queue.Enqueue(key);
        }

        _available.Release();
    }

    private void Fire(TKey key, ITimer timer)
    {
        lock (_gate)
        {
            if (!_waiting.TryGetValue(key, out var pending) || !ReferenceEquals(pending.Timer, timer))
            {
                return;
            }

            _waiting.Remove(key);
        }

        timer.Dispose();
        Add(key);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _shutDown = true;
            foreach (var (_, timer) in _waiting.Values)
            {
                timer.Dispose();
            }

            _waiting.Clear();
        }

        _available.Dispose();
    }
}
