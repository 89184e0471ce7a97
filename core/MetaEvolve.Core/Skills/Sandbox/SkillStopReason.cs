namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>Why a skill call was stopped by the sandbox rather than ending by itself.</summary>
public enum SkillStopReason
{
    Timeout,
    Cancelled,
    AllocationBudget,
    ArrayTooLarge,
    RecursionTooDeep,
    OutOfMemory,
    OutsideSandbox,
}
