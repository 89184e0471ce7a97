using MetaEvolve.Core.Config;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.AzureOpenAI;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Chat services through Semantic Kernel's OpenAI connectors: OpenAI itself, Azure OpenAI (its own connector,
/// <c>model</c> is the deployment name), and any OpenAI-compatible server by <c>endpoint</c> (vLLM, LM Studio;
/// Ollama's OpenAI API lives under <c>/v1</c>, which is added when the endpoint lacks it). The API key is read
/// from the environment variable the operator fills from the agent's Secret (<see cref="AgentSecrets"/>); it
/// is handed to the connector and never logged. Every call is metered and held to the agent's budget (<see cref="ModelCallMeter"/>, <see cref="BudgetGuard"/>) and retried
/// (<see cref="ModelRetryHandler"/>).
/// </summary>
public sealed class ChatModelFactory(AgentOptions options, BudgetCounters budgets, ILoggerFactory loggerFactory) : IDisposable
{
    // One connection pool for every agent's model traffic; each client only adds its retry handler.
    private readonly SocketsHttpHandler _transport = new() { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
    private readonly ILogger _logger = loggerFactory.CreateLogger<ChatModelFactory>();

    /// <summary>Reads the key; a test or a host may pass another source of environment variables.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public IChatCompletionService Create(AgentDefinition agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var model = agent.Model ?? throw new InvalidOperationException($"agent {agent.Namespace}/{agent.Name} has no model");
        var keyVariable = AgentSecrets.ApiKeyVariable(agent.Name);
        var apiKey = Environment(keyVariable) is { Length: > 0 } key ? key : null;
        if (model.HasApiKey && apiKey is null)
        {
            // The pool's template refers to the key optionally, so one agent's missing Secret fails only its own tasks.
            throw new ModelConfigurationException(
                $"agent {agent.Namespace}/{agent.Name}: its API key (spec.model.apiKeySecretRef) is not in {keyVariable}: the Secret or its key is missing (see the Agent's Ready condition); create it, and new workers read it");
        }

        var retry = new ModelRetryHandler(options, _logger) { InnerHandler = _transport };
        var http = new HttpClient(new ModelCallMeter(agent.Namespace, agent.Name, model, new BudgetGuard(budgets, agent, _logger)) { InnerHandler = retry }, disposeHandler: false)
        {
            // Each attempt has ModelTimeout; the task's own deadline and cancellation bound the whole.
            Timeout = Timeout.InfiniteTimeSpan,
        };

        switch (model.Provider)
        {
            case ModelProvider.OpenAI:
                var openAiKey = apiKey ?? throw new ModelConfigurationException(
                    $"agent {agent.Namespace}/{agent.Name}: provider OpenAI needs an API key, but {keyVariable} is not set (spec.model.apiKeySecretRef)");
#pragma warning disable SKEXP0010 // A custom endpoint (a proxy in front of OpenAI) is an experimental overload.
                return model.Endpoint is null
                    ? new OpenAIChatCompletionService(model.Model, openAiKey, httpClient: http, loggerFactory: loggerFactory)
                    : new OpenAIChatCompletionService(model.Model, model.Endpoint, openAiKey, httpClient: http, loggerFactory: loggerFactory);
            case ModelProvider.AzureOpenAI:
                return new AzureOpenAIChatCompletionService(
                    deploymentName: model.Model,
                    endpoint: (model.Endpoint ?? throw new ModelConfigurationException($"agent {agent.Namespace}/{agent.Name}: provider AzureOpenAI needs spec.model.endpoint")).ToString(),
                    apiKey: apiKey ?? throw new ModelConfigurationException(
                        $"agent {agent.Namespace}/{agent.Name}: provider AzureOpenAI needs an API key, but {keyVariable} is not set (spec.model.apiKeySecretRef)"),
                    httpClient: http,
                    loggerFactory: loggerFactory);
            case ModelProvider.Ollama:
            case ModelProvider.OpenAICompatible:
                var endpoint = model.Endpoint ?? throw new ModelConfigurationException(
                    $"agent {agent.Namespace}/{agent.Name}: provider {model.Provider} needs spec.model.endpoint");
                if (model.Provider == ModelProvider.Ollama && !endpoint.AbsolutePath.TrimEnd('/').EndsWith("/v1", StringComparison.Ordinal))
                {
                    endpoint = new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + "/v1");
                }

                // Local servers accept any key; the connector insists on one.
                return new OpenAIChatCompletionService(model.Model, endpoint, apiKey ?? "unused", httpClient: http, loggerFactory: loggerFactory);
#pragma warning restore SKEXP0010
            default:
                throw new ModelConfigurationException($"agent {agent.Namespace}/{agent.Name}: unknown model provider {model.Provider}");
        }
    }

    public void Dispose() => _transport.Dispose();
}
