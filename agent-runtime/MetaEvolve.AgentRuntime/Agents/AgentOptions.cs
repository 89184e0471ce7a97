using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>How a worker runs agents (configuration section <c>Agents</c>, e.g. env <c>Agents__ModelTimeout</c>).</summary>
public sealed record AgentOptions
{
    /// <summary>Prefix of every Redis key this worker writes; tests use a private one.</summary>
    public string RedisPrefix { get; init; } = "metaevolve";

    /// <summary>Budget of one HTTP request to the model; a request that takes longer is abandoned and retried.</summary>
    public TimeSpan ModelTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Attempts per model request for 429, 5xx, connection errors and timeouts (1 = no retry).</summary>
    public int ModelMaxAttempts { get; init; } = 3;

    /// <summary>First retry delay (exponential with jitter after that); a Retry-After header overrides it.</summary>
    public TimeSpan ModelRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest Retry-After this worker honours; a longer one fails the request instead of parking the task.</summary>
    public TimeSpan ModelMaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wall-clock budget of one skill call (direct or as a tool); the sandbox stops it after that.</summary>
    public TimeSpan SkillTimeout { get; init; } = SkillLimits.Default.Timeout;

    /// <summary>
    /// How long evolution.ProposeSkill waits for the operator to take a proposal that passed the worker's checks
    /// (PendingApproval, Published or Rejected) before answering Accepted.
    /// </summary>
    public TimeSpan ProposalWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Stream chat answers: the model's text is relayed on <c>metaevolve.stream.&lt;taskId&gt;</c> as it arrives
    /// (<see cref="LiveAnswer"/>). Off (<c>Agents__Streaming=false</c>), the model is asked for the whole answer at once;
    /// the recorded result is the same either way.
    /// </summary>
    public bool Streaming { get; init; } = true;

    /// <summary>Text that arrives within this window after a published delta goes out as one delta.</summary>
    public TimeSpan StreamCoalesce { get; init; } = TimeSpan.FromMilliseconds(5);

    public SkillLimits SkillLimits => SkillLimits.Default with { Timeout = SkillTimeout };
}
