using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

/// <summary>What the model's tokens cost, so workers can count spend (metaevolve_agent_cost_total) as well as tokens.</summary>
public sealed class ModelPricing
{
    [Required, Range(0.0, 1_000_000.0)]
    [Description("Price of one million input (prompt) tokens, in currency.")]
    public double InputPerMillionTokens { get; set; }

    [Required, Range(0.0, 1_000_000.0)]
    [Description("Price of one million output (completion) tokens, in currency.")]
    public double OutputPerMillionTokens { get; set; }

    [RegularExpression("^[A-Z]{3}$"), SchemaDefault("\"" + AgentDefaults.PricingCurrency + "\"")]
    [Description("ISO 4217 code of the prices' currency.")]
    public string? Currency { get; set; }
}
