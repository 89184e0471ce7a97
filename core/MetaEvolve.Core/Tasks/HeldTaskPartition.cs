namespace MetaEvolve.Core.Tasks;

/// <summary>
/// A daily partition past retention that upkeep keeps because some of its tasks still ask for action: dead-lettered
/// tasks wait for `tasks retry`, queued and running ones for a result, parked ones for a person's approval. Rows cannot move to another partition (they
/// are addressed by (id, uuid_v7_time(id))), so the whole day stays until they are resolved.
/// </summary>
public sealed record HeldTaskPartition(string Name, DateOnly Day, long DeadLettered, long Queued, long Running, long AwaitingApproval = 0)
{
    /// <summary>The counts as one phrase for logs, e.g. "2 dead-lettered, 1 queued".</summary>
    public string Reason => string.Join(", ", new[] { (DeadLettered, "dead-lettered"), (Queued, "queued"), (Running, "running"), (AwaitingApproval, "awaiting approval") }
        .Where(part => part.Item1 > 0)
        .Select(part => $"{part.Item1} {part.Item2}"));
}
