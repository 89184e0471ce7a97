using System.Text.Json;

namespace MetaEvolve.Gateway.Api;

/// <summary>Body of <c>POST /v1/namespaces/{ns}/agents/{agent}/tasks</c>: exactly one of <see cref="Message"/> or <see cref="Call"/>.</summary>
public sealed record SubmitTaskRequest
{
    /// <summary>Chat input for the agent's model.</summary>
    public string? Message { get; init; }

    /// <summary>A direct call of one skill function, run without a model.</summary>
    public SkillCallRequest? Call { get; init; }

    /// <summary>Conversation thread: tasks with the same thread id share the agent's memory.</summary>
    public string? ThreadId { get; init; }

    /// <summary>When set, the task fails ("deadline exceeded") if it has not finished this many seconds after submission.</summary>
    public int? TimeoutSeconds { get; init; }
}

/// <summary><c>skill.function</c> with named arguments (a JSON object).</summary>
public sealed record SkillCallRequest
{
    public string? Skill { get; init; }
    public string? Function { get; init; }
    public JsonElement? Arguments { get; init; }
}
