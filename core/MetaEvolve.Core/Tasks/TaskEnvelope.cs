using System.Text.Json.Serialization;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// The message published to <c>metaevolve.tasks.&lt;ns&gt;.&lt;pool&gt;.&lt;agent&gt;</c>: one unit of work for an agent.
/// Versioned so a worker can refuse (and record) an envelope from a newer publisher instead of misreading it.
/// </summary>
public sealed record TaskEnvelope
{
    /// <summary>The envelope format this code writes and reads.</summary>
    public const int CurrentVersion = 1;

    [JsonPropertyName("v")]
    public int Version { get; init; } = CurrentVersion;

    /// <summary>UUIDv7; its timestamp is the row's <c>created_at</c>, which locates the row's partition.</summary>
    public Guid Id { get; init; }

    public string Namespace { get; init; } = "";
    public string Pool { get; init; } = "";
    public string Agent { get; init; } = "";
    public string? ThreadId { get; init; }
    public TaskInput Input { get; init; } = new();

    /// <summary>When set, a task that has not finished by then fails ("deadline exceeded") instead of running on.</summary>
    public DateTimeOffset? Deadline { get; init; }

    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// 0 for a new task; n for its n-th resume after an approval decision: the worker continues the conversation the
    /// store holds for it instead of starting over.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Resume { get; init; }

    /// <summary>
    /// The region the task was submitted in, when regions federate: a worker in another region sends the result there
    /// (<see cref="Regions.TaskHomecoming"/>). Null for an installation that stands alone.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Origin { get; init; }

    /// <summary>The region chosen to run the task (the origin, or a peer it spilled to); null when regions are not in use.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Region { get; init; }

    /// <summary>The name of the gateway API key that submitted the task (its owner); null for tasks from elsewhere.</summary>
    public string? SubmittedBy { get; init; }

    /// <summary>W3C trace context of the submitter, so the worker's span continues the caller's trace.</summary>
    public string? TraceParent { get; init; }
    public string? TraceState { get; init; }
}
