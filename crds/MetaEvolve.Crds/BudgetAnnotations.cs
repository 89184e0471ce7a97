namespace MetaEvolve.Crds;

/// <summary>
/// Namespace annotations that cap the model usage of all the namespace's agents per UTC day. A platform team sets them
/// (tenants cannot edit Namespaces under normal RBAC); the operator projects them with each agent, and the workers
/// enforce them against the namespace's day counter.
/// </summary>
public static class BudgetAnnotations
{
    /// <summary>Most model tokens (input + output) the namespace's agents together may use per UTC day: an integer ≥ 1.</summary>
    public const string MaxTokensPerDay = "metaevolve.io/max-tokens-per-day";

    /// <summary>Most the namespace's agents together may spend per UTC day: a decimal ≥ 0, counted from the agents' spec.model.pricing.</summary>
    public const string MaxCostPerDay = "metaevolve.io/max-cost-per-day";
}
