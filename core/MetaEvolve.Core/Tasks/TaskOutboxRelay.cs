using MetaEvolve.Core.Regions;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Publishes the outbox entries their submitters left behind (it died, timed out, lost its client, or the stream
/// was full), each under its own message id, and removes them. Entries whose task is no longer queued are removed
/// without a publish: the task's message got through, or nothing is left to run. A task bound for a peer region is
/// sent there as its submitter would have (<see cref="TaskDispatcher"/>: the peer, or here when the peer does not ack).
/// </summary>
public sealed class TaskOutboxRelay(TaskOutbox outbox, TaskDispatcher dispatcher, ILogger<TaskOutboxRelay> logger)
{
    /// <summary>Entries taken per round.</summary>
    public const int BatchSize = 256;

    /// <summary>How long a taken entry is this relay's: if it neither publishes nor removes it by then, another relay may.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    /// <summary>Relays one batch of due entries: how many it took, and how many of their tasks it published.</summary>
    public async Task<(int Taken, int Published)> RelayDueAsync(CancellationToken cancellationToken = default)
    {
        var entries = await outbox.TakeDueAsync(BatchSize, Lease, cancellationToken);
        var settled = new List<string>(entries.Count);
        var published = 0;
        foreach (var entry in entries)
        {
            if (entry.Task is { } task)
            {
                try
                {
                    await dispatcher.PublishAsync(task.ToEnvelope(), entry.MessageId, cancellationToken);
                    published++;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The stream is full or NATS is away: the rest of the batch would fail the same way. The
                    // entries taken come back when their lease ends.
                    logger.LogWarning("Relaying task {TaskId} from the outbox failed, retrying after {Lease}: {Reason}", task.Id, Lease, ex.Message);
                    break;
                }
            }
            settled.Add(entry.MessageId);
        }
        await outbox.RemoveAsync(settled, cancellationToken);
        if (published > 0)
        {
            // One line per round: after an outage a relay may publish thousands of tasks.
            logger.LogInformation("Relayed {Count} tasks from the outbox that their submitters had not published", published);
        }
        return (entries.Count, published);
    }
}
