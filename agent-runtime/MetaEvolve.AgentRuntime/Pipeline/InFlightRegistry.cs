using System.Collections.Concurrent;
using MetaEvolve.AgentRuntime.Operability;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Messages this worker holds, keyed by stream sequence, and the concurrency slots they use: a slot is reserved
/// before its message is pulled and freed when the message is settled. A second delivery of a sequence still held
/// here (its ack wait ran out, say while the store was away) is dropped: the first delivery's ack or nak settles it.
/// </summary>
internal sealed class InFlightRegistry(WorkerOptions options, RuntimeMetrics metrics) : IDisposable
{
    private readonly ConcurrentDictionary<ulong, InFlightTask> _tasks = new();
    private readonly SemaphoreSlim _slots = new(options.Concurrency, options.Concurrency);

    public int Count => _tasks.Count;

    public bool TryAdd(InFlightTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!_tasks.TryAdd(task.StreamSequence, task))
        {
            return false;
        }
        metrics.Received(task.Delivery);
        return true;
    }

    /// <summary>
    /// Waits for a free concurrency slot, then takes every other slot free at this moment, up to <paramref name="most"/>:
    /// the worker pulls exactly that many messages, so nothing it receives waits in a buffer for a slot.
    /// </summary>
    public async Task<int> ReserveSlotsAsync(int most, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        var reserved = 1;
        while (reserved < most && _slots.Wait(0, CancellationToken.None))
        {
            reserved++;
        }
        return reserved;
    }

    /// <summary>Gives back reserved slots no message arrived for.</summary>
    public void ReturnSlots(int count)
    {
        if (count > 0)
        {
            _slots.Release(count);
        }
    }

    /// <summary>The message is settled (or abandoned): forget it and free its slot.</summary>
    public void Release(InFlightTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (_tasks.TryRemove(new KeyValuePair<ulong, InFlightTask>(task.StreamSequence, task)))
        {
            metrics.Settled();
            _slots.Release();
        }
    }

    public ICollection<InFlightTask> Snapshot() => _tasks.Values;

    /// <summary>Linear, but only cancellation uses it and the registry holds at most a few hundred tasks.</summary>
    public InFlightTask? FindByTaskId(Guid taskId)
    {
        foreach (var task in _tasks.Values)
        {
            if (task.TaskId == taskId)
            {
                return task;
            }
        }
        return null;
    }

    public void Dispose() => _slots.Dispose();
}
