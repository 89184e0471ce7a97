using System.Globalization;
using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Agents;

/// <summary>One daily limit of an agent and how much of it is used today.</summary>
/// <param name="Limit">The limit's name as the workers' budget: errors and the budget gauge spell it.</param>
public sealed record DailyLimit(string Limit, string Reason, string Name, double Used, double Max, string Unit)
{
    public bool Reached => Used >= Max;

    public double Ratio => Max <= 0 ? (Used > 0 ? 1 : 0) : Used / Max;
}

/// <summary>An agent's status.usage and its BudgetExceeded condition from today's counters. Pure.</summary>
public static class AgentBudgetStatus
{
    /// <summary>Every daily limit name, as label values of metaevolve_agent_budget_used_ratio.</summary>
    public static readonly string[] LimitNames = ["maxTokensPerDay", "maxCostPerDay", "namespaceMaxTokensPerDay", "namespaceMaxCostPerDay"];

    public static AgentUsage Usage(V1Alpha1Agent agent, AgentUsageReading reading)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(reading);
        return new AgentUsage
        {
            Day = reading.Day,
            Tokens = reading.AgentTokens,
            // Rounded so that a status write means a visible change.
            Cost = agent.Spec.Model?.Pricing is null ? null : Math.Round(reading.AgentCost, 6),
        };
    }

    public static IReadOnlyList<DailyLimit> Limits(V1Alpha1Agent agent, NamespaceBudget ns, AgentUsageReading reading)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(reading);
        var budget = agent.Spec.Budget;
        var currency = agent.Spec.Model?.Pricing?.Currency ?? AgentDefaults.PricingCurrency;
        var limits = new List<DailyLimit>();
        if (budget?.MaxTokensPerDay is { } tokens)
        {
            limits.Add(new("maxTokensPerDay", ConditionReasons.MaxTokensPerDay, "spec.budget.maxTokensPerDay", reading.AgentTokens, tokens, "tokens"));
        }

        if (budget?.MaxCostPerDay is { } cost)
        {
            limits.Add(new("maxCostPerDay", ConditionReasons.MaxCostPerDay, "spec.budget.maxCostPerDay", reading.AgentCost, cost, currency));
        }

        if (ns.MaxTokensPerDay is { } nsTokens)
        {
            limits.Add(new("namespaceMaxTokensPerDay", ConditionReasons.NamespaceMaxTokensPerDay, $"namespace annotation {BudgetAnnotations.MaxTokensPerDay}",
                reading.NamespaceTokens, nsTokens, "tokens"));
        }

        if (ns.MaxCostPerDay is { } nsCost)
        {
            limits.Add(new("namespaceMaxCostPerDay", ConditionReasons.NamespaceMaxCostPerDay, $"namespace annotation {BudgetAnnotations.MaxCostPerDay}",
                reading.NamespaceCost, nsCost, currency));
        }

        return limits;
    }

    /// <summary>True naming the first limit reached; False while every limit has room; absent without daily limits.</summary>
    public static List<V1Condition> Condition(IEnumerable<V1Condition>? conditions, IReadOnlyList<DailyLimit> limits, string day, long? generation, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.Count == 0)
        {
            return Conditions.Remove(conditions, ConditionTypes.BudgetExceeded);
        }

        if (limits.FirstOrDefault(l => l.Reached) is { } reached)
        {
            return Conditions.Set(conditions, ConditionTypes.BudgetExceeded, true, reached.Reason,
                $"{reached.Name} ({Amount(reached.Max)} {reached.Unit}) reached on {day} (UTC): {Amount(reached.Used)} {reached.Unit} used; model calls fail with budget: until 00:00 UTC",
                generation, now);
        }

        return Conditions.Set(conditions, ConditionTypes.BudgetExceeded, false, ConditionReasons.WithinBudget,
            $"every daily limit has room on {day} (UTC)", generation, now);
    }

    private static string Amount(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
