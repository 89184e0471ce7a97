using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Operability;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// Writes concurrent submissions (those without an idempotency key) as one statement and one commit per group, so
/// the store's round trips and commits grow with groups, not tasks. Nothing waits for a group to fill: a submission
/// that finds a writer free is written at once, and the ones that arrive while <see cref="MaxWriters"/> statements
/// are in flight form the next group. A submission returns only once its row (and outbox entry) is committed.
/// </summary>
public sealed class TaskGroupCommit(TaskRepository tasks, GatewayMetrics metrics)
{
    /// <summary>Statements in flight at once: enough to overlap round trips, few enough that groups form under load.</summary>
    public const int MaxWriters = 4;

    /// <summary>The largest group one statement writes (its arrays stay a few hundred kilobytes at most).</summary>
    public const int MaxGroup = 256;

    private readonly Queue<Pending> _queue = new();
    private int _writers;

    /// <summary>
    /// Records the task as queued with its outbox entry; completes when committed, throws what the statement threw.
    /// Not cancellable once queued: its group may already be on its way, and a row that is written must be reported.
    /// </summary>
    public Task WriteAsync(TaskEnvelope envelope)
    {
        var pending = new Pending(envelope);
        bool startWriter;
        lock (_queue)
        {
            _queue.Enqueue(pending);
            startWriter = _writers < MaxWriters;
            if (startWriter)
            {
                _writers++;
            }
        }
        if (startWriter)
        {
            // Not awaited: this writer keeps writing groups while submissions keep coming, and this request returns
            // as soon as its own row is committed.
            _ = Task.Run(WriteGroupsAsync);
        }
        return pending.Committed.Task;
    }

    private async Task WriteGroupsAsync()
    {
        var group = new List<Pending>(MaxGroup);
        var envelopes = new List<TaskEnvelope>(MaxGroup);
        while (true)
        {
            group.Clear();
            envelopes.Clear();
            lock (_queue)
            {
                while (group.Count < MaxGroup && _queue.TryDequeue(out var next))
                {
                    group.Add(next);
                    envelopes.Add(next.Envelope);
                }
                if (group.Count == 0)
                {
                    _writers--;
                    return;
                }
            }
            try
            {
                await tasks.EnqueueManyAsync(envelopes, CancellationToken.None);
                metrics.GroupWritten(group.Count);
                group.ForEach(p => p.Committed.TrySetResult());
            }
            catch (Exception ex)
            {
                // One statement: none of the group was written, and each submitter reports the failure. Envelopes are
                // validated before they get here, so what fails a group is the store (down, out of space), not a row.
                group.ForEach(p => p.Committed.TrySetException(ex));
            }
        }
    }

    private sealed class Pending(TaskEnvelope envelope)
    {
        public TaskEnvelope Envelope { get; } = envelope;

        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
