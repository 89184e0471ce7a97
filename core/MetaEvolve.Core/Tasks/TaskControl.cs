using NATS.Client.Core;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Operations on submitted tasks that touch both the store and NATS: cancel, re-queue, and approve or reject a parked
/// task's pending call. The gateway's DELETE, retry, approve and reject endpoints and the CLI call these.
/// </summary>
public sealed class TaskControl(TaskRepository repository, TaskPublisher publisher, TaskOutbox outbox, INatsConnection nats, NatsNames names, TaskApprovals? approvals = null)
{
    /// <summary>
    /// Cancels a task: the store flag makes any worker skip it if it has not started, and the notice on
    /// <see cref="NatsNames.Cancel"/> stops it where it runs. Returns the status after the request, null if unknown.
    /// </summary>
    public async Task<string?> CancelAsync(Guid taskId, CancellationToken cancellationToken = default)
    {
        var status = await repository.RequestCancelAsync(taskId, cancellationToken);
        if (status == TaskStates.Running)
        {
            await nats.PublishAsync(names.Cancel(taskId), cancellationToken: cancellationToken);
        }
        return status;
    }

    /// <summary>
    /// Puts a dead-lettered task back on its queue with fresh attempts. False when it is not dead-lettered. The row
    /// is re-queued with an outbox entry, so a publish that does not get through here is made by a gateway's relay.
    /// </summary>
    public async Task<bool> RequeueAsync(Guid taskId, CancellationToken cancellationToken = default)
    {
        // The original publish may still be inside the duplicate window for a quickly retried task: a fresh
        // message id keeps JetStream from dropping the re-queue as a duplicate.
        var messageId = $"{taskId:D}.requeue.{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}";
        var record = await repository.ResetDeadLetteredAsync(taskId, messageId, cancellationToken);
        if (record is null)
        {
            return false;
        }
        try
        {
            await publisher.PublishAsync(record.ToEnvelope(), messageId, CancellationToken.None);
        }
        catch (Exception)
        {
            // A full queue, a timeout, NATS away: re-queued all the same. A gateway's relay publishes the entry once
            // the stream takes it, and a copy that was in fact stored is dropped as a duplicate.
            return true;
        }
        await outbox.RemoveAsync([messageId], CancellationToken.None);
        return true;
    }

    /// <summary>
    /// Approves or rejects the pending call of a task awaiting approval and publishes its resume
    /// (<c>&lt;id&gt;/resume/&lt;n&gt;</c>); any worker of its pool continues it. A task past its approval deadline fails.
    /// </summary>
    public async Task<ApprovalOutcome> DecideAsync(Guid taskId, bool approve, string? reason, string? decidedBy, CancellationToken cancellationToken = default)
    {
        var store = approvals ?? throw new InvalidOperationException("TaskControl was made without TaskApprovals");
        var outcome = await store.DecideAsync(taskId, approve, reason, decidedBy, cancellationToken);
        if (outcome is { Kind: ApprovalOutcomeKind.Expired, Task: { } expired })
        {
            await new TaskResultNotice(taskId, expired.Status, expired.Error).PublishAsync(nats, names, CancellationToken.None);
        }

        if (outcome is not { Kind: ApprovalOutcomeKind.Resumed, Task: { } resumed })
        {
            return outcome;
        }

        var messageId = TaskApprovals.ResumeMessageId(taskId, resumed.Resumes);
        try
        {
            await publisher.PublishAsync(resumed.ToEnvelope(), messageId, CancellationToken.None);
        }
        catch (Exception)
        {
            // Queued all the same: a gateway's relay publishes the outbox entry once the stream takes it.
            return outcome;
        }

        await outbox.RemoveAsync([messageId], CancellationToken.None);
        return outcome;
    }
}
