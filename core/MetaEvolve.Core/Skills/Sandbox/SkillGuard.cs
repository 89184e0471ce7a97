using System.ComponentModel;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// Entry points for the checks the instrumenter compiles into skill code. Skill code cannot name this type
/// (the sandbox policy does not allow it); only injected calls use it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SkillGuard
{
    [ThreadStatic]
    private static SkillCallBudget? t_budget;

    // Limits chosen by the host for calls started below this execution context (see SkillCallOptions.Use).
    private static readonly AsyncLocal<SkillCallOptions?> s_ambient = new();

    internal static SkillCallOptions? Ambient
    {
        get => s_ambient.Value;
        set => s_ambient.Value = value;
    }

    /// <summary>Injected at the top of every <c>[KernelFunction]</c> method: starts a budget unless one runs.</summary>
    /// <returns>The budget this frame owns, or null when an outer frame owns it.</returns>
    public static SkillCallBudget? Enter()
    {
        if (t_budget is { } active)
        {
            active.Check();
            return null;
        }

        var options = s_ambient.Value ?? SkillCallOptions.Default;
        var budget = new SkillCallBudget(options.Limits, options.Cancellation);
        t_budget = budget;
        return budget;
    }

    /// <summary>Injected in the <c>finally</c> of every entry point: ends an owned budget, rethrows a trip.</summary>
    public static void Exit(SkillCallBudget? owned)
    {
        if (owned is null)
        {
            t_budget?.ThrowIfTripped();
            return;
        }

        if (ReferenceEquals(t_budget, owned))
        {
            t_budget = null;
        }

        // A last check, not just "was it tripped": work that ran out the clock inside the framework (a regex
        // whose timeout the budget clamped, a long LINQ pipeline) ends as a stop, not as a late success.
        owned.FullCheck();
    }

    /// <summary>Injected at every method entry, loop back-edge, jump target and lambda body.</summary>
    public static void Check()
    {
        var budget = t_budget ?? throw new SkillBudgetExceededException(
            SkillStopReason.OutsideSandbox,
            "skill code ran outside a sandboxed call (a finalizer, a thread-pool callback, or host code calling into the skill)");
        budget.Check();
    }

    /// <summary>Wraps every array size expression in skill code.</summary>
    public static int Length(int length) => Length((long)length);

    /// <summary>Wraps every array size expression of type long in skill code.</summary>
    public static int Length(long length)
    {
        var budget = t_budget ?? throw new SkillBudgetExceededException(SkillStopReason.OutsideSandbox, "skill code ran outside a sandboxed call");
        return budget.CheckArrayLength(length);
    }

    /// <summary>
    /// Wraps every match-timeout argument given to Regex: a regex runs inside the framework where no check can
    /// reach it, so its timeout is what stops it, and it may not outlast the call's own budget.
    /// </summary>
    public static TimeSpan RegexTimeout(TimeSpan requested)
    {
        var budget = t_budget ?? throw new SkillBudgetExceededException(SkillStopReason.OutsideSandbox, "skill code ran outside a sandboxed call");
        budget.FullCheck();
        // A little past the deadline: the regex's own clock is coarse, and when it gives up the call's exit
        // check must see an exhausted budget and report a stop, not a regex failure.
        var remaining = budget.Remaining() + TimeSpan.FromMilliseconds(50);
        return requested <= TimeSpan.Zero || requested > remaining ? remaining : requested;
    }

    /// <summary>Runs host-initiated skill code (constructors, field initializers) under a fresh budget.</summary>
    internal static T RunSandboxed<T>(SkillCallOptions options, Func<T> body)
    {
        if (t_budget is not null)
        {
            throw new InvalidOperationException("A sandboxed call is already running on this thread.");
        }

        var budget = new SkillCallBudget(options.Limits, options.Cancellation);
        t_budget = budget;
        try
        {
            var result = body();
            budget.ThrowIfTripped();
            return result;
        }
        finally
        {
            t_budget = null;
        }
    }
}
