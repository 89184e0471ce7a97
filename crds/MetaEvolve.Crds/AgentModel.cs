using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace MetaEvolve.Crds;

/// <summary>Which API the model is served by; all speak the OpenAI chat-completions protocol.</summary>
public enum ModelProvider
{
    OpenAI,
    AzureOpenAI,
    Ollama,
    OpenAICompatible,
}

[Schema.CelRule("self.provider == 'OpenAI' || has(self.endpoint)", "endpoint is required unless provider is OpenAI", FieldPath = ".endpoint")]
public sealed class AgentModel
{
    [Required]
    [Description("API that serves the model: OpenAI, AzureOpenAI, Ollama or any OpenAICompatible endpoint (vLLM, LM Studio).")]
    public ModelProvider Provider { get; set; }

    [Required, MinLength(1), MaxLength(256)]
    [Description("Model name, or the deployment name for AzureOpenAI.")]
    public string Model { get; set; } = "";

    [MaxLength(2048), RegularExpression("^https?://.+")]
    [Description("Base URL of the API. Required unless provider is OpenAI.")]
    public string? Endpoint { get; set; }

    [Description("Secret key holding the API key; the workers receive it as an environment variable, never in the store.")]
    public KeyReference? ApiKeySecretRef { get; set; }

    [Range(0.0, 2.0)]
    [Description("Sampling temperature.")]
    public double? Temperature { get; set; }

    [Range(1, 1_000_000)]
    [Description("Most tokens in one completion.")]
    public int? MaxTokens { get; set; }

    [Description("Token prices: workers then count each agent's spend in metaevolve_agent_cost_total.")]
    public ModelPricing? Pricing { get; set; }
}
