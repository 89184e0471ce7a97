namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// Thrown by the checks injected into skill code. It derives from <see cref="Exception"/> directly and the
/// sandbox policy rejects <c>catch</c> clauses for <see cref="Exception"/>, <see cref="SystemException"/> and
/// catch-alls, so skill code can never catch it; the budget is sticky as well, so swallowing it indirectly
/// (through an AggregateException, say) only delays the stop until the next check or the call's exit.
/// </summary>
public sealed class SkillBudgetExceededException : Exception
{
    public SkillBudgetExceededException()
        : this(SkillStopReason.Timeout, "skill call stopped")
    {
    }

    public SkillBudgetExceededException(string message)
        : this(SkillStopReason.Timeout, message)
    {
    }

    public SkillBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SkillBudgetExceededException(SkillStopReason reason, string message)
        : base(message) => Reason = reason;

    public SkillStopReason Reason { get; }
}
