using System.Globalization;
using k8s.Models;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Agents;

/// <summary>
/// A namespace's daily ceiling over all its agents, from its annotations (<see cref="BudgetAnnotations"/>). An annotation
/// that does not parse is left out (<see cref="Problem"/> names it) rather than guessed at. Pure.
/// </summary>
public sealed record NamespaceBudget(long? MaxTokensPerDay, double? MaxCostPerDay, string? Problem)
{
    public static readonly NamespaceBudget None = new(null, null, null);

    public bool IsEmpty => MaxTokensPerDay is null && MaxCostPerDay is null;

    public static NamespaceBudget Of(V1Namespace? ns)
    {
        var annotations = ns?.Metadata?.Annotations;
        if (annotations is null)
        {
            return None;
        }

        var problems = new List<string>();
        long? tokens = null;
        double? cost = null;
        if (annotations.TryGetValue(BudgetAnnotations.MaxTokensPerDay, out var tokensText))
        {
            if (long.TryParse(tokensText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1)
            {
                tokens = parsed;
            }
            else
            {
                problems.Add($"annotation {BudgetAnnotations.MaxTokensPerDay} of namespace {ns!.Metadata.Name} is '{tokensText}', not an integer ≥ 1; it is ignored");
            }
        }

        if (annotations.TryGetValue(BudgetAnnotations.MaxCostPerDay, out var costText))
        {
            if (double.TryParse(costText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed))
            {
                cost = parsed;
            }
            else
            {
                problems.Add($"annotation {BudgetAnnotations.MaxCostPerDay} of namespace {ns!.Metadata.Name} is '{costText}', not a decimal number ≥ 0; it is ignored");
            }
        }

        return new NamespaceBudget(tokens, cost, problems.Count == 0 ? null : string.Join("; ", problems));
    }
}
