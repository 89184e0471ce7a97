using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace MetaEvolve.Crds;

/// <summary>
/// Caps on what an agent's model calls may use, enforced by the workers before and after each model call against
/// counters all replicas share; a task that reaches a limit fails with an error starting <c>budget:</c>. Days are UTC.
/// </summary>
public sealed class AgentBudget
{
    [Range(1.0, 1_000_000_000_000.0)]
    [Description("Most model tokens (input + output) one task may use. A task that reaches it stops with a budget: error and makes no further model call.")]
    public long? MaxTokensPerTask { get; set; }

    [Range(1.0, 1_000_000_000_000.0)]
    [Description("Most model tokens (input + output) the agent may use per UTC day, summed over all workers. Once reached, its tasks fail with a budget: error until 00:00 UTC.")]
    public long? MaxTokensPerDay { get; set; }

    [Range(0.0, 1_000_000_000.0)]
    [Description("Most the agent's model calls may cost per UTC day, in the currency of spec.model.pricing (required with this field). Once reached, its tasks fail with a budget: error until 00:00 UTC.")]
    public double? MaxCostPerDay { get; set; }
}
