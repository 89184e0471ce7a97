namespace MetaEvolve.Core.Skills;

/// <summary>How a sandboxed skill call ended.</summary>
public enum SkillCallStatus
{
    /// <summary>The function returned.</summary>
    Completed,

    /// <summary>The function threw (a bug or bad input in the skill; a test failure).</summary>
    Failed,

    /// <summary>The sandbox stopped the function: time, cancellation, recursion, allocation or memory.</summary>
    Stopped,
}

/// <summary>The result of one sandboxed call.</summary>
public sealed record SkillCallOutcome(SkillCallStatus Status, string? Value, string? Error, Sandbox.SkillStopReason? StopReason);
