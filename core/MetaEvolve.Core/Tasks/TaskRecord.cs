using System.Text.Json;

namespace MetaEvolve.Core.Tasks;

/// <summary>One row of the tasks table, as the gateway and CLI show it.</summary>
public sealed record TaskRecord
{
    public Guid Id { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public string Namespace { get; init; } = "";
    public string Agent { get; init; } = "";
    public string Pool { get; init; } = "";
    public string? ThreadId { get; init; }
    public string Status { get; init; } = TaskStates.Queued;
    public string InputJson { get; init; } = "{}";
    public string? OutputJson { get; init; }
    public string? Error { get; init; }
    public int Attempts { get; init; }
    public bool DeadLettered { get; init; }
    public bool CancelRequested { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? TraceParent { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public int PromptTokens { get; init; }
    public int CompletionTokens { get; init; }
    public DateTimeOffset QueuedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The gateway API key that submitted the task; null for tasks recorded before keys were recorded.</summary>
    public string? SubmittedBy { get; init; }

    /// <summary>The call waiting for (or once given) a person's approval, as JSON; null for tasks that never parked.</summary>
    public string? ApprovalJson { get; init; }

    /// <summary>When a parked task fails unless someone approves or rejects its pending call.</summary>
    public DateTimeOffset? ApprovalDeadline { get; init; }

    /// <summary>How often the task was resumed after an approval decision.</summary>
    public int Resumes { get; init; }

    /// <summary>The region the task was submitted in; null when regions are not in use.</summary>
    public string? SubmittedRegion { get; init; }

    /// <summary>The region that runs (or ran) the task: the origin's own, or the peer it was sent to.</summary>
    public string? Region { get; init; }

    /// <summary>The message that runs this task again (a re-queue, a relayed outbox entry).</summary>
    public TaskEnvelope ToEnvelope() => new()
    {
        Id = Id,
        Namespace = Namespace,
        Pool = Pool,
        Agent = Agent,
        ThreadId = ThreadId,
        Input = JsonSerializer.Deserialize(InputJson, TaskJsonContext.Default.TaskInput) ?? new TaskInput(),
        Deadline = Deadline,
        IdempotencyKey = IdempotencyKey,
        SubmittedBy = SubmittedBy,
        TraceParent = TraceParent,
        Resume = Resumes,
        Origin = SubmittedRegion,
        Region = Region,
    };
}
