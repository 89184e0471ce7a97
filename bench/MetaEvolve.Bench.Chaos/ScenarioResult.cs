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
    /// Counts <paramref name="rows"/>, the store's record of the tasks <paramref name="load"/> had acknowledged.
    /// Executions of a system task: its attempts (the claim that starts every execution increments them, and refuses a
    /// task that already has a result), unless <paramref name="executions"/> counts otherwise: for a chat task the model's
    /// count of requests for it, across regions the claims in every region's store (the work itself; an
    /// attempt that failed before reaching the model, e.g. on Redis being away, and was retried by design ran nothing). A task is duplicated when it ran more often
    /// than <paramref name="allowedExecutions"/> says (once, plus one per crash of a worker that may have held it), and a
    /// request acknowledged as two tasks despite its idempotency key is one more.
    /// </summary>
    public static ScenarioResult Count(string name, SubmissionLoad load, IReadOnlyList<TaskRow> rows, Func<TaskRow, int> allowedExecutions, Func<TaskRow, int>? executions = null)
    {
        var submitted = load.Accepted.Count - load.TwoTasks;
        var recorded = rows.Count(r => Core.Tasks.TaskStates.IsFinal(r.Status));
        var duplicates = rows.Where(r => (executions?.Invoke(r) ?? r.Attempts) > allowedExecutions(r)).ToList();
        foreach (var r in duplicates.Take(5))
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: task {r.Id} ran too often: {r.Attempts} attempts, {executions?.Invoke(r)} model requests, {allowedExecutions(r)} allowed; {r.Status} {r.Error}"));
        }
        if (load.TwoTasks > 0)
        {
            Console.Error.WriteLine($"{name}: {load.TwoTasks} requests became two tasks despite their idempotency key");
        }
        var duplicated = duplicates.Count + load.TwoTasks;
        return new ScenarioResult(name, submitted, recorded, submitted - recorded, duplicated);
    }
}
