using System.Globalization;
using Prometheus;
using StackExchange.Redis;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Enforces one agent's budget (<see cref="BudgetLimits"/>) around each of its model calls. Before a call: a task
/// already stopped, a task at maxTokensPerTask, or an agent or namespace day at its limit refuses the call with a
/// <see cref="BudgetExceededException"/>. After a call: its usage goes into the task's scope and the shared daily
/// counters; a limit reached then stops the task (recorded in its <see cref="TaskBudgetScope"/>), so its next model
/// call is refused and the executor fails it when the chat returns. The answer in hand is not thrown away here: it
/// may be a stream whose usage arrives at its end.
/// Every agent's calls are counted (Agent status.usage shows them); the counters are read before a call only when a
/// daily limit applies. When Redis cannot be reached, an agent with a daily limit makes no model call (its tasks fail
/// transiently and are retried), and usage that cannot be added is logged and lost.
/// </summary>
public sealed class BudgetGuard(BudgetCounters counters, AgentDefinition agent, ILogger logger)
{
    private static readonly Counter Stops = Metrics.CreateCounter(
        "metaevolve_budget_stops_total", "Tasks stopped because a budget was reached, by the limit reached.",
        new CounterConfiguration { LabelNames = ["namespace", "agent", "limit"] });

    private readonly BudgetLimits _limits = agent.Budget;
    private readonly string _currency = agent.Model?.Pricing?.Currency ?? "";

    public async Task BeforeCallAsync()
    {
        var scope = TaskBudgetScope.Current;
        if (scope is not null)
        {
            // The previous answer's usage is in the counters before this call is judged.
            await scope.SettledAsync();
        }

        if (scope?.Stopped is { } stopped)
        {
            throw stopped;
        }

        if (_limits.MaxTokensPerTask is { } perTask && scope is not null && scope.Tokens >= perTask)
        {
            throw Stop(scope, TaskLimit(perTask, scope.Tokens));
        }

        if (!_limits.HasDailyLimit)
        {
            return;
        }

        DailyUsage usage;
        try
        {
            usage = await counters.ReadAsync(agent.Namespace, agent.Name);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            throw new BudgetUnavailableException(
                $"budget: the usage counters of agent {agent.Namespace}/{agent.Name} cannot be read from Redis, so no model call is made: {exception.Message}", exception);
        }

        if (DailyLimitReached(usage) is { } reached)
        {
            throw Stop(scope, reached);
        }
    }

    /// <summary>
    /// Hears an answer's usage. A streamed answer's usage arrives in the middle of the connector's read, which cannot
    /// wait for Redis: the counting goes on in the task's scope (<see cref="TaskBudgetScope.Track"/>), and the next model
    /// call and the executor wait for it.
    /// </summary>
    public void AfterCall(ModelAnswer answer)
    {
        var counting = AfterCallAsync(answer);
        TaskBudgetScope.Current?.Track(counting);
    }

    private async Task AfterCallAsync(ModelAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var tokens = answer.InputTokens + answer.OutputTokens;
        var scope = TaskBudgetScope.Current;
        var taskTokens = scope?.Add(tokens) ?? tokens;
        DailyUsage? usage = null;
        try
        {
            usage = await counters.AddAsync(agent.Namespace, agent.Name, tokens, agent.Model?.Pricing?.CostOf(answer.InputTokens, answer.OutputTokens) ?? 0);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            logger.LogWarning(exception, "Could not add {Tokens} tokens of agent {Namespace}/{Agent} to its daily usage", tokens, agent.Namespace, agent.Name);
        }

        var reached = _limits.MaxTokensPerTask is { } perTask && taskTokens >= perTask
            ? TaskLimit(perTask, taskTokens)
            : usage is not null ? DailyLimitReached(usage) : null;
        if (reached is not null && scope is not null)
        {
            Stop(scope, reached);
        }
    }

    private BudgetExceededException Stop(TaskBudgetScope? scope, BudgetExceededException reached)
    {
        if (scope is null || scope.TryStop(reached))
        {
            Stops.WithLabels(agent.Namespace, agent.Name, reached.Limit).Inc();
        }

        return scope?.Stopped ?? reached;
    }

    private BudgetExceededException TaskLimit(long limit, long used) => new(
        "maxTokensPerTask", $"budget: maxTokensPerTask ({limit}) of agent {agent.Namespace}/{agent.Name} reached: the task used {used} tokens");

    private BudgetExceededException? DailyLimitReached(DailyUsage usage)
    {
        var of = $"agent {agent.Namespace}/{agent.Name}";
        var ns = $"namespace {agent.Namespace}";
        return _limits switch
        {
            { MaxTokensPerDay: { } max } when usage.AgentTokens >= max => Daily("maxTokensPerDay", max, of, $"{usage.AgentTokens} tokens", usage.Day),
            { MaxCostPerDay: { } max } when usage.AgentCost >= max => Daily("maxCostPerDay", Money(max), of, Money(usage.AgentCost), usage.Day),
            { NamespaceMaxTokensPerDay: { } max } when usage.NamespaceTokens >= max =>
                Daily("namespaceMaxTokensPerDay", max, ns, $"{usage.NamespaceTokens} tokens by its agents", usage.Day, "metaevolve.io/max-tokens-per-day"),
            { NamespaceMaxCostPerDay: { } max } when usage.NamespaceCost >= max =>
                Daily("namespaceMaxCostPerDay", Money(max), ns, $"{Money(usage.NamespaceCost)} by its agents", usage.Day, "metaevolve.io/max-cost-per-day"),
            _ => null,
        };
    }

    private static BudgetExceededException Daily(string limit, object max, string of, string used, string day, string? name = null) =>
        new(limit, $"budget: {name ?? limit} ({max}) of {of} reached: {used} used on {day} (UTC)");

    private string Money(double amount) => $"{amount.ToString("0.######", CultureInfo.InvariantCulture)} {_currency}".TrimEnd();
}
