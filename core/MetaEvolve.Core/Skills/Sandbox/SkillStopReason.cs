namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>Why a skill call was stopped by the sandbox or its host rather than ending by itself.</summary>
public enum SkillStopReason
{
    Timeout,
    Cancelled,
    AllocationBudget,
    ArrayTooLarge,
    RecursionTooDeep,

    /// <summary>The host ran out of its heap limit, or the pool killed it for its resident memory.</summary>
    OutOfMemory,
    OutsideSandbox,

    /// <summary>The skill host died during the call (stack overflow, fail-fast, killed from outside).</summary>
    Crashed,

    /// <summary>The host's answer was larger than the pool accepts.</summary>
    OutputTooLarge,
}
