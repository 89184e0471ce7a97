using System.Diagnostics;
using System.Text.Json;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Operability;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// Turns an accepted request into a task: the agent's pool from the store, a queued row (which also claims the
/// idempotency key), then the publish. Everything lives in PostgreSQL and JetStream, so any replica may take
/// any request, and two replicas given one key agree on one task.
/// </summary>
public sealed class TaskSubmitter(AgentPools agents, TaskRepository tasks, TaskPublisher publisher, TaskStreamOptions stream, GatewayMetrics metrics, ILogger<TaskSubmitter> logger)
{
    /// <summary>
    /// Records and publishes the task. Throws <see cref="UnknownAgentException"/>, <see cref="IdempotencyConflictException"/>,
    /// and <see cref="QueueFullException"/> (after removing the unpublished row, so nothing of the task remains).
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(string ns, string agent, TaskInput input, string? threadId, DateTimeOffset? deadline, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var pool = await agents.PoolOfAsync(ns, agent, cancellationToken) ?? throw new UnknownAgentException(ns, agent);
        using var activity = GatewayTracing.Source.StartActivity("task.submit", ActivityKind.Producer);
        var envelope = new TaskEnvelope
        {
            Id = TaskIds.NewId(),
            Namespace = ns,
            Pool = pool,
            Agent = agent,
            ThreadId = threadId,
            Input = input,
            Deadline = deadline,
            IdempotencyKey = idempotencyKey,
            TraceParent = Activity.Current?.Id,
            TraceState = Activity.Current?.TraceStateString,
        };
        TaskEnvelopeCodec.Validate(envelope);
        activity?.SetTag("metaevolve.task.id", envelope.Id.ToString("D")).SetTag("metaevolve.agent", agent);

        var enqueued = await tasks.EnqueueAsync(envelope, cancellationToken);
        if (!enqueued.Created)
        {
            return await ReplayAsync(enqueued.TaskId, agent, cancellationToken);
        }
        try
        {
            await publisher.PublishAsync(envelope, cancellationToken: cancellationToken);
        }
        catch (QueueFullException)
        {
            await tasks.DiscardUnpublishedAsync(envelope, CancellationToken.None);
            metrics.Submitted("queue_full");
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not published: leave no queued row behind that no worker will ever receive.
            await tasks.DiscardUnpublishedAsync(envelope, CancellationToken.None);
            logger.LogWarning(ex, "Publishing task {TaskId} failed; its row was removed", envelope.Id);
            metrics.Submitted("publish_failed");
            throw;
        }
        metrics.Submitted("accepted");
        return new SubmitResult(envelope.Id, TaskStates.Queued, Duplicate: false);
    }

    // The key already names a task. If that task is still queued, publish it again under its own id: JetStream drops
    // the copy inside its duplicate window, and a submitter that died between its insert and its publish is healed.
    private async Task<SubmitResult> ReplayAsync(Guid existingId, string requestedAgent, CancellationToken cancellationToken)
    {
        var existing = await tasks.GetAsync(existingId, cancellationToken);
        if (existing is null)
        {
            // The first submitter's publish was refused and it is removing its row right now.
            throw new QueueFullException("the task with this idempotency key was just refused by a full queue");
        }
        if (existing.Agent != requestedAgent)
        {
            throw new IdempotencyConflictException(existingId, existing.Agent);
        }
        // Only inside the duplicate window (with a margin): later, a second copy would be a second delivery.
        var dedupedUntil = existing.CreatedAt + (stream.DuplicateWindow / 2);
        if (existing.Status == TaskStates.Queued && existing.Attempts == 0 && DateTimeOffset.UtcNow < dedupedUntil)
        {
            var envelope = new TaskEnvelope
            {
                Id = existing.Id,
                Namespace = existing.Namespace,
                Pool = existing.Pool,
                Agent = existing.Agent,
                ThreadId = existing.ThreadId,
                Input = JsonSerializer.Deserialize(existing.InputJson, TaskJsonContext.Default.TaskInput) ?? new TaskInput(),
                Deadline = existing.Deadline,
                IdempotencyKey = existing.IdempotencyKey,
                TraceParent = existing.TraceParent,
            };
            await publisher.PublishAsync(envelope, cancellationToken: cancellationToken);
        }
        metrics.Submitted("duplicate");
        return new SubmitResult(existingId, existing.Status, Duplicate: true);
    }
}
