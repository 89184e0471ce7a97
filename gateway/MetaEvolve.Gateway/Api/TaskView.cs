using System.Text.Json;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.Gateway.Api;

/// <summary>A task as <c>GET /v1/tasks/{id}</c> shows it.</summary>
public sealed record TaskView
{
    public Guid Id { get; init; }
    public string Namespace { get; init; } = "";
    public string Agent { get; init; } = "";
    public string Pool { get; init; } = "";
    public string? ThreadId { get; init; }
    public string Status { get; init; } = "";
    public JsonElement Input { get; init; }
    public JsonElement? Output { get; init; }
    public string? Error { get; init; }
    public int Attempts { get; init; }
    public bool DeadLettered { get; init; }
    public bool CancelRequested { get; init; }

    /// <summary>The API key that submitted the task.</summary>
    public string? SubmittedBy { get; init; }

    /// <summary>The region the task was submitted in; null when regions are not in use.</summary>
    public string? SubmittedRegion { get; init; }

    /// <summary>The region that runs (or ran) the task: the submitted one, or a peer it was sent to. Null when regions are not in use.</summary>
    public string? Region { get; init; }

    /// <summary>
    /// The call the task waits on, or once waited on, for a person's approval: function, arguments, toolCallId,
    /// timeoutSeconds and, once decided, decision, reason, decidedBy, decidedAt. Null for tasks that never waited.
    /// </summary>
    public JsonElement? Approval { get; init; }
    public TaskTimings Timings { get; init; } = new();
    public TaskUsage Usage { get; init; } = new();
    public string Url { get; init; } = "";

    public static TaskView From(TaskRecord r) => new()
    {
        Id = r.Id,
        Namespace = r.Namespace,
        Agent = r.Agent,
        Pool = r.Pool,
        ThreadId = r.ThreadId,
        Status = r.Status,
        Input = Parse(r.InputJson),
        Output = r.OutputJson is null ? null : Parse(r.OutputJson),
        Error = r.Error,
        Attempts = r.Attempts,
        DeadLettered = r.DeadLettered,
        CancelRequested = r.CancelRequested,
        SubmittedBy = r.SubmittedBy,
        SubmittedRegion = r.SubmittedRegion,
        Region = r.Region,
        Approval = r.ApprovalJson is null ? null : Parse(r.ApprovalJson),
        Timings = new TaskTimings
        {
            CreatedAt = r.CreatedAt,
            QueuedAt = r.QueuedAt,
            StartedAt = r.StartedAt,
            FinishedAt = r.FinishedAt,
            Deadline = r.Deadline,
            ApprovalDeadline = r.ApprovalDeadline,
            RunMs = r.StartedAt is { } s && r.FinishedAt is { } f ? (long)(f - s).TotalMilliseconds : null,
            TotalMs = r.FinishedAt is { } done ? (long)(done - r.CreatedAt).TotalMilliseconds : null,
        },
        Usage = new TaskUsage { PromptTokens = r.PromptTokens, CompletionTokens = r.CompletionTokens },
        Url = TaskUrls.Task(r.Id),
    };

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

public sealed record TaskTimings
{
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset QueuedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>While the task awaits approval: when it fails unless someone approves or rejects the call.</summary>
    public DateTimeOffset? ApprovalDeadline { get; init; }
    public long? RunMs { get; init; }
    public long? TotalMs { get; init; }
}

public sealed record TaskUsage
{
    public int PromptTokens { get; init; }
    public int CompletionTokens { get; init; }
}
