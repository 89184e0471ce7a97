using System.Diagnostics;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Operability;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// Turns an accepted request into a task: the agent's pool from the store, a queued row with its outbox entry (which
/// also claims the idempotency key), then the publish. Once the row is written the task will run: if this publish
/// does not get through, a relay publishes the outbox entry. Everything lives in PostgreSQL and JetStream, so any
/// replica may take any request, and two replicas given one key agree on one task. With regions, the task records
/// this region as its origin and the region chosen to run it (<see cref="RegionHealthBoard.RegionFor"/>), and
/// <see cref="TaskDispatcher"/> sends it there (or queues it here when that peer does not ack).
/// </summary>
public sealed class TaskSubmitter(
    AgentPools agents,
    TaskRepository tasks,
    TaskGroupCommit groupCommit,
    TaskDispatcher dispatcher,
    RegionHealthBoard regions,
    NatsNames names,
    TaskOutboxRemovals outbox,
    TaskWatcher watcher,
    GatewayMetrics metrics,
    ILogger<TaskSubmitter> logger)
{
    /// <summary>
    /// Records and publishes the task; with <paramref name="watch"/>, a new task's result is watched from before its
    /// publish (<see cref="SubmitResult.Watch"/>, the caller disposes it). Throws <see cref="UnknownAgentException"/>, <see cref="IdempotencyConflictException"/>,
    /// and <see cref="QueueFullException"/> (after removing the unpublished row, so nothing of the task remains).
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(string ns, string agent, TaskInput input, string? threadId, DateTimeOffset? deadline, string? idempotencyKey, string? submittedBy, bool watch, CancellationToken cancellationToken)
    {
        var pool = await agents.PoolOfAsync(ns, agent, cancellationToken) ?? throw new UnknownAgentException(ns, agent);
        using var activity = GatewayTracing.Source.StartActivity("task.submit", ActivityKind.Internal);
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
            SubmittedBy = submittedBy,
            TraceParent = Activity.Current?.Id,
            TraceState = Activity.Current?.TraceStateString,
            Origin = names.Region,
            Region = regions.RegionFor(ns, pool),
        };
        TaskEnvelopeCodec.Validate(envelope);
        activity?.SetTag("metaevolve.task.id", envelope.Id.ToString("D")).SetTag("metaevolve.agent", agent);

        if (idempotencyKey is null)
        {
            await groupCommit.WriteAsync(envelope);
        }
        else if (await tasks.EnqueueAsync(envelope, cancellationToken) is { Created: false } enqueued)
        {
            return await ReplayAsync(enqueued.TaskId, agent, cancellationToken);
        }
        // Subscribed before the publish, on the connection that publishes: the server has the subscription before
        // the message exists, so no result can be missed and no round trip is spent confirming it.
        var resultWatch = watch ? await watcher.WatchUnpublishedAsync(envelope.Id, CancellationToken.None) : null;
        try
        {
            // Not the request's token: a client that goes away after the row is written still gets its task run,
            // and a publish that completes is not reported as a failure.
            await dispatcher.PublishAsync(envelope, cancellationToken: CancellationToken.None);
        }
        catch (QueueFullException)
        {
            // The stream refused it for certain: nothing of the task may remain, so the client can try again.
            await tasks.DiscardUnpublishedAsync(envelope, CancellationToken.None);
            metrics.Submitted("queue_full");
            if (resultWatch is not null)
            {
                await resultWatch.DisposeAsync();
            }
            throw;
        }
        catch (Exception ex)
        {
            // A timeout or a lost connection: the message may or may not be stored. The outbox entry stays, and a
            // relay publishes it under the same message id (a stored copy is dropped as a duplicate): accepted.
            logger.LogWarning("Publishing task {TaskId} did not complete; the outbox relay will publish it: {Reason}", envelope.Id, ex.Message);
            metrics.Submitted("accepted_unpublished");
            return new SubmitResult(envelope.Id, TaskStates.Queued, Duplicate: false, resultWatch);
        }
        outbox.Published(envelope.Id.ToString("D"));
        metrics.Submitted("accepted");
        return new SubmitResult(envelope.Id, TaskStates.Queued, Duplicate: false, resultWatch);
    }

    // The key already names a task: answer with it. Its message is on its way (the outbox relays what its
    // submitter could not publish), so nothing is published here.
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
        metrics.Submitted("duplicate");
        return new SubmitResult(existingId, existing.Status, Duplicate: true);
    }
}
