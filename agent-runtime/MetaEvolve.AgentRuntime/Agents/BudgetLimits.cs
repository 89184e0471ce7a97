using System.Text.Json.Nodes;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// The limits an agent's model calls run under: its own <c>spec.budget</c>, and the namespace's daily ceiling that
/// the operator projects with each agent from the Namespace's annotations (<c>namespaceBudget</c> in the store's
/// spec). Null fields have no limit. Costs are in the currency of <c>spec.model.pricing</c>.
/// </summary>
public sealed record BudgetLimits(long? MaxTokensPerTask, long? MaxTokensPerDay, double? MaxCostPerDay, long? NamespaceMaxTokensPerDay, double? NamespaceMaxCostPerDay)
{
    public static readonly BudgetLimits None = new(null, null, null, null, null);

    /// <summary>A limit on the agent's or the namespace's day, so the shared counters are read before each call.</summary>
    public bool HasDailyLimit => MaxTokensPerDay is not null || MaxCostPerDay is not null || NamespaceMaxTokensPerDay is not null || NamespaceMaxCostPerDay is not null;

    public static BudgetLimits Parse(JsonObject? budget, JsonObject? namespaceBudget) =>
        budget is null && namespaceBudget is null
            ? None
            : new BudgetLimits(
                (long?)budget?["maxTokensPerTask"],
                (long?)budget?["maxTokensPerDay"],
                (double?)budget?["maxCostPerDay"],
                (long?)namespaceBudget?["maxTokensPerDay"],
                (double?)namespaceBudget?["maxCostPerDay"]);
}
