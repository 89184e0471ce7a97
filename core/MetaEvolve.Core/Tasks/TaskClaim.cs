namespace MetaEvolve.Core.Tasks;

/// <summary>
/// What the store said when a worker asked to run a delivered task: run it (<see cref="Claimed"/>), or not,
/// because it already has a result or was cancelled. <see cref="PreviousError"/> is the last recorded
/// failure, which a dead-letter record repeats.
/// </summary>
public readonly record struct TaskClaim(Guid Id, bool Claimed, int Attempts, string Status, bool CancelRequested, string? PreviousError);
