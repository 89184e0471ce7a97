using NATS.Client.Core;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Operations on submitted tasks that touch both the store and NATS: cancel and re-queue. The gateway's
/// DELETE and retry endpoints and the CLI call these.
/// </summary>
public sealed class TaskControl(TaskRepository repository, TaskPublisher publisher, INatsConnection nats, NatsNames names)
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

    /// <summary>Puts a dead-lettered task back on its queue with fresh attempts. False when it is not dead-lettered.</summary>
    public async Task<bool> RequeueAsync(Guid taskId, CancellationToken cancellationToken = default)
    {
        var record = await repository.ResetDeadLetteredAsync(taskId, cancellationToken);
        if (record is null)
        {
            return false;
        }
        var envelope = new TaskEnvelope
        {
            Id = record.Id,
            Namespace = record.Namespace,
            Pool = record.Pool,
            Agent = record.Agent,
            ThreadId = record.ThreadId,
            Input = System.Text.Json.JsonSerializer.Deserialize(record.InputJson, TaskJsonContext.Default.TaskInput) ?? new TaskInput(),
            IdempotencyKey = record.IdempotencyKey,
            TraceParent = record.TraceParent,
        };
        // The original publish is still inside the duplicate window for a quickly retried task: a fresh
        // message id keeps JetStream from dropping the re-queue as a duplicate.
        await publisher.PublishAsync(envelope, messageId: $"{taskId:D}.requeue.{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}", cancellationToken);
        return true;
    }
}
