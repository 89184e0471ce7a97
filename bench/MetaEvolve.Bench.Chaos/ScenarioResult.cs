using System.Globalization;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// One task scenario's counts. <c>submitted</c>: tasks a gateway acknowledged (202). <c>recorded</c>: those with a
/// final status in the store at the end. <c>lost</c>: submitted minus recorded. <c>duplicated</c>: tasks executed
/// more times than the faults allow (see <see cref="Count"/>). The store holds one row per task, so "two results"
/// would show as a second execution, which is what is counted.
/// </summary>
internal sealed record ScenarioResult(string Name, int Submitted, int Recorded, int Lost, int Duplicated)
{
    public bool Clean => Lost == 0 && Duplicated == 0;

    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"chaos.{Name}: submitted {Submitted}, recorded {Recorded}, lost {Lost}, duplicated {Duplicated}");

    /// <summary>
    /// Counts <paramref name="rows"/> of the <paramref name="submitted"/> tasks. Executions of a task: its attempts
    /// (the claim that starts every execution increments them, and refuses a task that already has a result) or, for
    /// chat tasks, the model's count of requests for it when that is higher. A task is duplicated when it ran more often
    /// than <paramref name="allowedExecutions"/> says: once, plus one per crash of a worker that may have held it.
    /// </summary>
    public static ScenarioResult Count(string name, int submitted, IReadOnlyList<TaskRow> rows, Func<TaskRow, int> allowedExecutions, Func<TaskRow, int>? modelExecutions = null)
    {
        var recorded = rows.Count(r => Core.Tasks.TaskStates.IsFinal(r.Status));
        var duplicated = rows.Count(r => Math.Max(r.Attempts, modelExecutions?.Invoke(r) ?? 0) > allowedExecutions(r));
        return new ScenarioResult(name, submitted, recorded, submitted - recorded, duplicated);
    }
}
