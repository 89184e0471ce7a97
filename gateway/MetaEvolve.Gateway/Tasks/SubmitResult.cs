namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// The task a submission names; <paramref name="Duplicate"/> when its idempotency key named it already. <paramref name="Watch"/>
/// is the new task's result watch when the submitter asked for one (the caller disposes it).
/// </summary>
public sealed record SubmitResult(Guid Id, string Status, bool Duplicate, TaskWatcher.Watch? Watch = null);
