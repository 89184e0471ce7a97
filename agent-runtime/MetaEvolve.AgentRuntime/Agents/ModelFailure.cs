using System.ClientModel;
using System.Net;
using MetaEvolve.AgentRuntime.Execution;
using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Turns what escaped a model call into the failure recorded on the task. Retryable HTTP failures were already
/// retried by <see cref="ModelRetryHandler"/>, so what arrives here is final: the task fails permanently with a
/// message that says what the model endpoint did (status, attempts, the start of its answer).
/// </summary>
public static class ModelFailure
{
    private const int BodyExcerpt = 300;

    public static TaskFailedException Describe(Exception exception, ModelSettings model, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var target = $"model {model.Provider}/{model.Model}";
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Whatever wrapped it, a budget stop keeps its own message, which starts with "budget:".
                case BudgetExceededException exceeded:
                    return new TaskFailedException(exceeded.Message, transient: false);
                case BudgetUnavailableException unavailable:
                    return new TaskFailedException(unavailable.Message, transient: true);
                case ModelTimeoutException timeout:
                    return new TaskFailedException($"{target}: {timeout.Message}", transient: false);
                case ModelConfigurationException configuration:
                    return new TaskFailedException(configuration.Message, transient: false);
                case HttpOperationException { StatusCode: { } status } http:
                    return Http(target, status, http.ResponseContent ?? http.Message, options);
                // The streaming call lets the OpenAI client's own exception through, unwrapped.
                case ClientResultException { Status: > 0 } client:
                    return Http(target, (HttpStatusCode)client.Status, Body(client), options);
                case HttpRequestException request:
                    return new TaskFailedException($"{target}: unreachable after {options.ModelMaxAttempts} attempts: {request.Message}", transient: false);
            }
        }

        return new TaskFailedException($"{target}: {exception.GetType().Name}: {exception.Message}", transient: false);
    }

    private static TaskFailedException Http(string target, HttpStatusCode status, string body, AgentOptions options)
    {
        var retried = status == HttpStatusCode.TooManyRequests || (int)status >= 500
            ? $" after {options.ModelMaxAttempts} attempts"
            : "";
        return new TaskFailedException($"{target}: HTTP {(int)status} ({status}){retried}: {Excerpt(body)}", transient: false);
    }

    private static string Body(ClientResultException exception)
    {
        try
        {
            return exception.GetRawResponse()?.Content?.ToString() is { Length: > 0 } body ? body : exception.Message;
        }
        catch (InvalidOperationException)
        {
            // An unbuffered body: the message carries what the client read of it.
            return exception.Message;
        }
    }

    private static string Excerpt(string text) =>
        text.Length <= BodyExcerpt ? text : string.Concat(text.AsSpan(0, BodyExcerpt), "…");
}
