namespace MetaEvolve.Gateway.Tasks;

/// <summary>The idempotency key already names a task of a different agent.</summary>
public sealed class IdempotencyConflictException(Guid taskId, string agent)
    : Exception($"the idempotency key already names task {taskId:D} of agent '{agent}'")
{
    public Guid TaskId { get; } = taskId;
}
