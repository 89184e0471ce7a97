namespace MetaEvolve.Core.Regions;

/// <summary>
/// The result of a task that ran in another region than it was submitted in, as that region's worker appends it to
/// its homeward stream (<see cref="NatsNames.Homeward"/>) and the origin records it: the fields of the result, and
/// where it ran. Limits retention and sourcing make this durable across a link outage, unlike the core result notice.
/// </summary>
public sealed record TaskHomecoming
{
    public required Guid Id { get; init; }
    public required string Status { get; init; }
    public string? OutputJson { get; init; }
    public string? Error { get; init; }
    public bool DeadLettered { get; init; }
    public int Attempts { get; init; }
    public int PromptTokens { get; init; }
    public int CompletionTokens { get; init; }

    /// <summary>The region that ran the task.</summary>
    public required string Region { get; init; }

    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The message id of its append: one per task and attempt, so a worker that appends again after a crash is deduplicated.</summary>
    public string MessageId => $"{Id:D}.{Attempts}";
}
