using System.Collections.Concurrent;
using MetaEvolve.AgentRuntime.Operability;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Messages this worker holds, keyed by stream sequence, and the concurrency slots they use. A second
/// delivery of a sequence still held here (its ack wait ran out while it waited) is dropped: the first
/// delivery's ack or nak settles the message.
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

    /// <summary>Waits until fewer than <c>concurrency</c> tasks are between claim and settlement.</summary>
    public Task WaitForSlotAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

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

    /// <summary>For a message dropped before it took a slot (shutdown while waiting for one).</summary>
    public void Forget(InFlightTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (_tasks.TryRemove(new KeyValuePair<ulong, InFlightTask>(task.StreamSequence, task)))
        {
            metrics.Settled();
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
