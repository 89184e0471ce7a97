using System.Text.Json.Nodes;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>The providers of <c>spec.model.provider</c>.</summary>
public enum ModelProvider
{
    OpenAI,
    AzureOpenAI,
    Ollama,
    OpenAICompatible,
}

/// <summary><c>spec.model.pricing</c>: what a million tokens cost.</summary>
public sealed record ModelPrices(double InputPerMillionTokens, double OutputPerMillionTokens, string Currency)
{
    public double CostOf(long inputTokens, long outputTokens) =>
        (inputTokens * InputPerMillionTokens + outputTokens * OutputPerMillionTokens) / 1_000_000;
}

/// <summary>An agent's <c>spec.model</c>. The API key is not here: it comes from the environment (AgentSecrets).</summary>
public sealed record ModelSettings(ModelProvider Provider, string Model, Uri? Endpoint, double? Temperature, int? MaxTokens)
{
    /// <summary>The agent names a key (<c>spec.model.apiKeySecretRef</c>; the projection says so as <c>hasApiKey</c>).</summary>
    public bool HasApiKey { get; init; }

    /// <summary><c>spec.model.pricing</c>, or null: without prices there is no cost, only tokens.</summary>
    public ModelPrices? Pricing { get; init; }

    public static ModelSettings Parse(JsonObject model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var providerText = (string?)model["provider"] ?? nameof(ModelProvider.OpenAI);
        if (!Enum.TryParse<ModelProvider>(providerText, ignoreCase: false, out var provider))
        {
            throw new FormatException($"unknown model provider '{providerText}' (OpenAI, AzureOpenAI, Ollama, OpenAICompatible)");
        }

        var endpoint = (string?)model["endpoint"];
        return new ModelSettings(
            provider,
            (string?)model["model"] ?? throw new FormatException("spec.model.model is missing"),
            string.IsNullOrEmpty(endpoint) ? null : new Uri(endpoint, UriKind.Absolute),
            (double?)model["temperature"],
            (int?)model["maxTokens"])
        {
            HasApiKey = (bool?)model["hasApiKey"] ?? false,
            Pricing = model["pricing"] is JsonObject pricing
                ? new ModelPrices(
                    (double?)pricing["inputPerMillionTokens"] ?? 0,
                    (double?)pricing["outputPerMillionTokens"] ?? 0,
                    (string?)pricing["currency"] ?? Crds.AgentDefaults.PricingCurrency)
                : null,
        };
    }
}
