namespace MetaEvolve.Core.Tasks;

/// <summary><paramref name="Created"/> is false when the idempotency key already named a task: that task's id is returned.</summary>
public sealed record EnqueueResult(Guid TaskId, bool Created);
