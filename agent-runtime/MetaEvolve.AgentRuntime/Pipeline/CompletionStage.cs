using System.Diagnostics;
using System.Threading.Channels;
using MetaEvolve.AgentRuntime.Operability;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Records outcomes a batch per round trip (group commit; a few under way at once, see <see cref="BatchLoop"/>), then — only after the commit — settles each message
/// with JetStream and announces final results (and parked tasks) on <c>metaevolve.results.&lt;id&gt;</c>. Acks are fire-and-forget
/// publishes, so they pipeline; a lost ack only means a redelivery, which the store answers as "already recorded".
/// A task from another region has its recorded result sent home (<see cref="HomewardSender"/>) before its ack.
/// </summary>
internal sealed class CompletionStage(
    WorkerOptions options,
    TaskRepository repository,
    StoreRetry retry,
    InFlightRegistry registry,
    RuntimeMetrics metrics,
    INatsConnection nats,
    NatsNames names,
    PipelineLifetime lifetime,
    HomewardSender homeward,
    ILogger<CompletionStage> logger)
{
    private readonly Channel<Settlement> _queue = Channel.CreateUnbounded<Settlement>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(Settlement settlement)
    {
        settlement.Task.HandedOverAt = Stopwatch.GetTimestamp();
        _queue.Writer.TryWrite(settlement);
    }

    public void CountInvalid(string agent) => metrics.Recorded(agent, "invalid", 0, deadLettered: false);

    public Task RunAsync(CancellationToken cancellationToken) =>
        BatchLoop.RunAsync(_queue.Reader, options.StoreBatch, RecordBatchAsync, cancellationToken);

    private async Task RecordBatchAsync(List<Settlement> received)
    {
        var batch = new List<Settlement>(received.Count);
        var writes = new List<TaskCompletion>(received.Count);
        foreach (var settlement in received)
        {
            if (settlement.Completion is { } completion)
            {
                var storable = completion.ForStore() with { Attempt = settlement.Task.Attempt };
                writes.Add(storable);
                batch.Add(settlement with { Completion = storable });
            }
            else
            {
                batch.Add(settlement);
            }
        }
        HashSet<Guid>? changed = null;
        HashSet<Guid>? unrecorded = null;
        if (writes.Count > 0)
        {
            try
            {
                changed = await retry.RunAsync(ct => repository.CompleteAsync(writes, ct), "recording results", lifetime.Stopped);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Not transient: one bad value fails the whole statement. Record row by row, so it costs one task.
                logger.LogError(ex, "Recording {Count} results in one batch failed; recording them one by one", writes.Count);
                (changed, unrecorded) = await CompleteOneByOneAsync(writes);
            }
            catch (OperationCanceledException)
            {
                // Stopped while the store was unreachable: leave the messages unacked; JetStream redelivers them.
                foreach (var settlement in batch)
                {
                    registry.Release(settlement.Task);
                }
                throw;
            }
        }
        foreach (var settlement in batch)
        {
            if (settlement.Completion is { } failed && unrecorded?.Contains(failed.Id) == true)
            {
                // Nothing was recorded for it, so it may not be acked: back to the queue.
                await SettleAsync(settlement with { Ack = AckKind.Nak, NakDelay = options.BackoffFor(settlement.Task.Delivery) }, recorded: false);
                continue;
            }
            var recorded = settlement.Completion is { } c && changed!.Contains(c.Id);
            await SettleAsync(settlement, recorded);
        }
    }

    private async Task<(HashSet<Guid> Changed, HashSet<Guid> Unrecorded)> CompleteOneByOneAsync(List<TaskCompletion> writes)
    {
        var changed = new HashSet<Guid>();
        var unrecorded = new HashSet<Guid>();
        foreach (var write in writes)
        {
            try
            {
                changed.UnionWith(await retry.RunAsync(ct => repository.CompleteAsync([write], ct), "recording a result", lifetime.Stopped));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Recording the result of task {TaskId} failed; its message goes back to the queue", write.Id);
                unrecorded.Add(write.Id);
            }
        }
        return (changed, unrecorded);
    }

    private async ValueTask SettleAsync(Settlement settlement, bool recorded)
    {
        var task = settlement.Task;
        if (settlement.Ack == AckKind.Ack && homeward.FromElsewhere(task.Envelope) && !await homeward.SendAsync(task.Envelope!, lifetime.Stopped))
        {
            // Recorded here but not yet on its way home: the redelivery finds it recorded and sends it again.
            settlement = settlement with { Ack = AckKind.Nak, NakDelay = options.BackoffFor(task.Delivery) };
        }
        try
        {
            switch (settlement.Ack)
            {
                case AckKind.Ack:
                    await task.Message.AckAsync(cancellationToken: lifetime.Stopped);
                    break;
                case AckKind.Nak:
                    await task.Message.NakAsync(delay: settlement.NakDelay, cancellationToken: lifetime.Stopped);
                    break;
                case AckKind.Terminate:
                    await task.Message.AckTerminateAsync(cancellationToken: lifetime.Stopped);
                    break;
            }
        }
        catch (Exception ex) when (ex is NatsException or ObjectDisposedException or OperationCanceledException)
        {
            // The record is committed; the message returns after its ack wait and is answered "already recorded".
            logger.LogWarning(ex, "Could not settle message {Sequence} ({Ack}); it will be redelivered", task.StreamSequence, settlement.Ack);
        }
        finally
        {
            registry.Release(task);
        }
        if (settlement.Completion is not null)
        {
            metrics.RecordTook(Stopwatch.GetElapsedTime(task.HandedOverAt).TotalSeconds);
        }
        if (recorded && settlement.Completion is { } completion)
        {
            var agent = task.Envelope?.Agent ?? "unknown";
            if (TaskStates.IsFinal(completion.Status))
            {
                metrics.Recorded(agent, completion.DeadLettered ? "dead_lettered" : completion.Status, settlement.Seconds, completion.DeadLettered);
                await AnnounceAsync(completion);
            }
            else if (completion.Status == TaskStates.AwaitingApproval)
            {
                // Waiters (--wait, SSE) learn that a person must act now.
                await AnnounceAsync(completion);
            }
            else
            {
                metrics.Retried(agent);
            }
        }
    }

    private async ValueTask AnnounceAsync(TaskCompletion completion)
    {
        try
        {
            await new TaskResultNotice(completion.Id, completion.Status, completion.Error).PublishAsync(nats, names, lifetime.Stopped);
        }
        catch (Exception ex) when (ex is NatsException or ObjectDisposedException or OperationCanceledException)
        {
            // Waiters read the row after subscribing, so a lost notice delays nobody for long.
            logger.LogWarning(ex, "Could not announce the result of task {TaskId}", completion.Id);
        }
    }
}
