namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// The model tokens one task has used so far, and the budget error that stopped it, if one did. The task executor
/// begins a scope per task; <see cref="BudgetGuard"/> (called by the agent's <see cref="ModelCallMeter"/>, which is
/// shared by all the agent's tasks) finds it through the async flow of the model call. Tool calls and prompt skills
/// inside the task flow with it.
/// </summary>
public sealed class TaskBudgetScope : IDisposable
{
    private static readonly AsyncLocal<TaskBudgetScope?> Scope = new();
    private readonly TaskBudgetScope? _previous;
    private long _tokens;
    private BudgetExceededException? _stopped;
    private readonly Lock _gate = new();
    private Task _counting = Task.CompletedTask;

    private TaskBudgetScope(TaskBudgetScope? previous) => _previous = previous;

    /// <summary>The scope of the task running in this async flow, or null outside a task.</summary>
    public static TaskBudgetScope? Current => Scope.Value;

    public static TaskBudgetScope Begin()
    {
        var scope = new TaskBudgetScope(Scope.Value);
        Scope.Value = scope;
        return scope;
    }

    public long Tokens => Interlocked.Read(ref _tokens);

    /// <summary>The limit that stopped the task; every later model call of the task is refused with it.</summary>
    public BudgetExceededException? Stopped => Volatile.Read(ref _stopped);

    public long Add(long tokens) => Interlocked.Add(ref _tokens, tokens);

    /// <returns>True for the first stop of the task (the one that is counted).</returns>
    public bool TryStop(BudgetExceededException exceeded) => Interlocked.CompareExchange(ref _stopped, exceeded, null) is null;

    /// <summary>Usage still being added to the shared counters (<see cref="BudgetGuard.AfterCall"/>).</summary>
    public void Track(Task counting)
    {
        lock (_gate)
        {
            _counting = _counting.IsCompleted ? counting : Task.WhenAll(_counting, counting);
        }
    }

    /// <summary>Completes when the usage heard so far is counted, and a limit it reached has stopped the task.</summary>
    public Task SettledAsync()
    {
        lock (_gate)
        {
            return _counting;
        }
    }

    public void Dispose() => Scope.Value = _previous;
}
