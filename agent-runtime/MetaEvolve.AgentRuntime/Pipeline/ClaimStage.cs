using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using MetaEvolve.AgentRuntime.Execution;
using MetaEvolve.AgentRuntime.Operability;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Turns received messages into claimed tasks, a batch per store round trip (a few under way at once, see
/// <see cref="BatchLoop"/>): parses and validates each
/// envelope, records invalid ones, asks the store which tasks may run (not final, not cancelled), and
/// records at once those that must not (past deadline, unknown agent, out of attempts). The rest go to the runner.
/// </summary>
internal sealed class ClaimStage(
    WorkerOptions options,
    NatsNames names,
    TaskRepository repository,
    TaskPartitionStatistics statistics,
    IAgentDirectory agents,
    StoreRetry retry,
    TaskRunner runner,
    CompletionStage completions,
    PipelineLifetime lifetime,
    RuntimeMetrics metrics,
    ILogger<ClaimStage> logger)
{
    private readonly Channel<InFlightTask> _queue = Channel.CreateUnbounded<InFlightTask>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(InFlightTask task) => _queue.Writer.TryWrite(task);

    public Task RunAsync(CancellationToken cancellationToken) =>
        BatchLoop.RunAsync(_queue.Reader, options.StoreBatch, batch => ClaimBatchAsync(batch, cancellationToken), cancellationToken);

    private async Task ClaimBatchAsync(List<InFlightTask> batch, CancellationToken cancellationToken)
    {
        var valid = new List<InFlightTask>(batch.Count);
        var deliveries = new List<TaskDelivery>(batch.Count);
        var ids = new HashSet<Guid>(batch.Count);
        foreach (var task in batch)
        {
            if (lifetime.IsDraining)
            {
                // Shutting down: start nothing new; another worker takes it right away.
                completions.Enqueue(Settlement.Release(task, TimeSpan.Zero));
                continue;
            }
            if (!TryParse(task, out var envelope, out var reason))
            {
                try
                {
                    await RecordInvalidAsync(task, envelope?.Id, reason);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Recording invalid message {Sequence} failed; it goes back to the queue", task.StreamSequence);
                    completions.Enqueue(Settlement.Release(task, options.BackoffFor(task.Delivery)));
                }
                continue;
            }
            if (!ids.Add(envelope.Id))
            {
                // The same task twice in one batch (published twice outside the duplicate window): settle it
                // after the first copy has its record.
                completions.Enqueue(Settlement.Release(task, options.BackoffFor(1)));
                continue;
            }
            task.Envelope = envelope;
            valid.Add(task);
            deliveries.Add(new TaskDelivery(envelope, task.StreamSequence));
        }
        if (valid.Count == 0)
        {
            return;
        }
        var dispatched = 0;
        try
        {
            var claims = await retry.RunAsync(ct => repository.ClaimAsync(deliveries, names.Region, ct), "claiming tasks", lifetime.Stopped);
            foreach (var task in valid)
            {
                metrics.ClaimTook(Stopwatch.GetElapsedTime(task.ReceivedAt).TotalSeconds);
            }
            // In the background: an ANALYZE must not hold up the batch.
            _ = statistics.Observe(ids, lifetime.Stopped);
            for (; dispatched < valid.Count; dispatched++)
            {
                await DispatchAsync(valid[dispatched], claims[dispatched]);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A store error that is not transient (a bug, a schema mismatch): give back what was not dispatched, go on.
            logger.LogError(ex, "Claiming {Count} tasks failed; they go back to the queue", valid.Count - dispatched);
            for (var i = dispatched; i < valid.Count; i++)
            {
                completions.Enqueue(Settlement.Release(valid[i], options.BackoffFor(valid[i].Delivery)));
            }
        }
    }

    private async Task DispatchAsync(InFlightTask task, TaskClaim claim)
    {
        var envelope = task.Envelope!;
        if (!claim.Claimed)
        {
            if (claim.CancelRequested && !TaskStates.IsFinal(claim.Status))
            {
                // Cancelled while a worker that has since vanished was running it.
                completions.Enqueue(Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Cancelled, Error: "cancelled")));
            }
            else
            {
                completions.Enqueue(Settlement.AlreadyRecorded(task));
            }
            return;
        }
        task.Attempt = claim.Attempts;
        if (task.Delivery > options.MaxDeliver)
        {
            // The last allowed attempt ended without a record: its worker died mid-task.
            var last = claim.PreviousError ?? "the worker running the last attempt stopped before recording a result";
            completions.Enqueue(Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Failed,
                Error: $"dead-lettered after {options.MaxDeliver} attempts; last error: {last}", DeadLettered: true)));
            return;
        }
        if (envelope.Deadline is { } deadline && deadline <= DateTimeOffset.UtcNow)
        {
            completions.Enqueue(Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Failed,
                Error: $"deadline {deadline:O} passed before the task started")));
            return;
        }
        var refusal = await retry.RunAsync(ct => agents.RefuseAsync(envelope.Namespace, envelope.Pool, envelope.Agent, ct).AsTask(), "looking up the agent", lifetime.Stopped);
        if (refusal is not null)
        {
            completions.Enqueue(Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Failed, Error: refusal)));
            return;
        }
        runner.Start(task, claim.Attempts);
    }

    private bool TryParse(InFlightTask task, [NotNullWhen(true)] out TaskEnvelope? envelope, out string reason)
    {
        envelope = null;
        try
        {
            envelope = TaskEnvelopeCodec.Decode(task.Message.Data ?? []);
        }
        catch (InvalidTaskException ex)
        {
            reason = ex.Message;
            return false;
        }
        // The subject routes the task; a body that disagrees with it would be recorded under the wrong agent.
        var subject = names.Task(envelope.Namespace, envelope.Pool, envelope.Agent);
        if (!string.Equals(subject, task.Message.Subject, StringComparison.Ordinal))
        {
            reason = $"envelope names {envelope.Namespace}/{envelope.Pool}/{envelope.Agent} but arrived on {task.Message.Subject}";
            return false;
        }
        if (envelope.Namespace != options.Namespace || envelope.Pool != options.Pool)
        {
            reason = $"task for {envelope.Namespace}/{envelope.Pool} reached the worker of {options.Namespace}/{options.Pool}";
            return false;
        }
        reason = "";
        return true;
    }

    private async Task RecordInvalidAsync(InFlightTask task, Guid? parsedId, string reason)
    {
        var message = task.Message;
        _ = names.TryParseTask(message.Subject, out var ns, out var pool, out var agent);
        // Keep the submitter's id when there is one (a body that parsed, or the message id); otherwise mint one.
        var id = parsedId ?? TryTaskId(message) ?? TaskIds.NewId();
        var raw = message.Data is { } data ? System.Text.Encoding.UTF8.GetString(data) : "";
        logger.LogWarning("Invalid task message {Subject} (stream sequence {Sequence}) recorded as {TaskId}: {Reason}",
            message.Subject, task.StreamSequence, id, reason);
        await retry.RunAsync(ct => repository.RecordInvalidAsync(id, Fallback(ns, options.Namespace), Fallback(pool, options.Pool), Fallback(agent, "unknown"), raw, $"invalid task: {reason}", ct),
            "recording an invalid task", lifetime.Stopped);
        task.Envelope = null;
        completions.CountInvalid(Fallback(agent, "unknown"));
        completions.Enqueue(Settlement.Terminate(task));
    }

    private static Guid? TryTaskId(NATS.Client.JetStream.INatsJSMsg<byte[]> message)
    {
        if (message.Headers is { } headers && headers.TryGetValue("Nats-Msg-Id", out var values)
            && values.ToString() is { Length: >= 36 } text
            && Guid.TryParse(text.AsSpan(0, 36), out var id) && TaskIds.IsVersion7(id))
        {
            return id;
        }
        return null;
    }

    private static string Fallback(string value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;
}
