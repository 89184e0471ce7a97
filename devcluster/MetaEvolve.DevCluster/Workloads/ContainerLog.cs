namespace MetaEvolve.DevCluster.Workloads;

/// <summary>One line of a container's output with the time it was read.</summary>
public readonly record struct LogLine(long Sequence, DateTimeOffset At, string Text);

/// <summary>
/// The output of one container instance (stdout and stderr interleaved, as the kubelet's log file),
/// bounded, readable while it grows (<c>kubectl logs -f</c>) until the instance ends.
/// </summary>
public sealed class ContainerLog(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<LogLine> _lines = new();
    private long _next;
    private bool _completed;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Append(string text)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _lines.Enqueue(new LogLine(_next++, DateTimeOffset.UtcNow, text));
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }

            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>No more lines will come (the instance exited).</summary>
    public void Complete()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _completed = true;
            changed = _changed;
        }

        changed.TrySetResult();
    }

    /// <summary>Lines with a sequence at or after <paramref name="from"/>, whether the log is complete, and a task that finishes on the next change.</summary>
    public (List<LogLine> Lines, bool Completed, Task Changed) Read(long from)
    {
        lock (_gate)
        {
            return (_lines.Where(l => l.Sequence >= from).ToList(), _completed, _changed.Task);
        }
    }
}
