using System.Reflection;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Skills;

/// <summary>Invokes a skill function under limits and tells completed, failed and stopped calls apart.</summary>
public static class SkillCallRunner
{
    public static async Task<SkillCallOutcome> InvokeAsync(
        Kernel kernel, KernelFunction function, KernelArguments arguments, SkillLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        var options = new SkillCallOptions(limits, cancellationToken);
        using var ambient = options.Use();
        try
        {
            var result = await function.InvokeAsync(kernel, arguments, cancellationToken);

            // The value may be a skill object whose ToString is skill code: run it under a budget too.
            return new SkillCallOutcome(SkillCallStatus.Completed, SkillGuard.RunSandboxed(options, result.ToString), null, null);
        }
#pragma warning disable CA1031 // The call boundary: whatever the skill did must become an outcome, not crash the worker.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            // A caller cancelled before the skill's code ran (Semantic Kernel checks the token first) is a stop, as
            // one cancelled while the code runs is (the budget trips): which one happens is only a matter of timing.
            return exception is OperationCanceledException && cancellationToken.IsCancellationRequested
                ? new SkillCallOutcome(SkillCallStatus.Stopped, null, "skill call stopped: cancelled", SkillStopReason.Cancelled)
                : Classify(exception);
        }
    }

    /// <summary>Maps an exception escaping a skill call to its outcome (stops may be wrapped by the runtime).</summary>
    public static SkillCallOutcome Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? current = exception; current is not null; current = Unwrap(current))
        {
            switch (current)
            {
                case SkillBudgetExceededException budget:
                    return new SkillCallOutcome(SkillCallStatus.Stopped, null, budget.Message, budget.Reason);
                case InsufficientExecutionStackException:
                    return new SkillCallOutcome(SkillCallStatus.Stopped, null, "skill call stopped: recursion too deep (stack nearly exhausted)", SkillStopReason.RecursionTooDeep);
                case OutOfMemoryException oom:
                    return new SkillCallOutcome(SkillCallStatus.Stopped, null, $"skill call stopped: out of memory ({oom.Message})", SkillStopReason.OutOfMemory);
            }
        }

        var root = exception is TargetInvocationException { InnerException: { } inner } ? inner : exception;
        return new SkillCallOutcome(SkillCallStatus.Failed, null, $"{root.GetType().Name}: {MessageOf(root)}", null);
    }

    /// <summary>A skill's exception type may override Message with skill code; read it under a short budget.</summary>
    private static string MessageOf(Exception exception)
    {
        try
        {
            return SkillGuard.RunSandboxed(MessageOptions, () => exception.Message);
        }
#pragma warning disable CA1031 // Whatever the override does, the call's outcome must still be reported.
        catch (Exception)
#pragma warning restore CA1031
        {
            return "(the exception's message could not be read)";
        }
    }

    private static readonly SkillCallOptions MessageOptions =
        new(new SkillLimits(TimeSpan.FromMilliseconds(100), 16L * 1024 * 1024, 1024 * 1024), CancellationToken.None);

    private static Exception? Unwrap(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: > 0 } aggregate => aggregate.InnerExceptions[0],
        _ => exception.InnerException,
    };
}
