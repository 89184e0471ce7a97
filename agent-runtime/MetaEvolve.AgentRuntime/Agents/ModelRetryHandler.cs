using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Retries model requests that may succeed when repeated — HTTP 429 (after Retry-After), 5xx, connection
/// failures and requests that exceed <see cref="AgentOptions.ModelTimeout"/> — with exponential backoff.
/// Semantic Kernel turns the OpenAI client's own retries off when it is given an HttpClient, so this handler
/// is the only retry layer, and its attempt count is exact. Anything else (400, 401, 404) fails at once.
/// </summary>
public sealed class ModelRetryHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly AgentOptions _options;

    public ModelRetryHandler(AgentOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.ModelMaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.ModelMaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.ModelRetryDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsRetryable(r.StatusCode) && (RetryAfter(r) is not { } wait || wait <= options.ModelMaxRetryAfter)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RetryAfter(r) : null),
                OnRetry = args =>
                {
                    logger.LogWarning("Model request to {Host} failed ({Reason}); retry {Retry} of {Retries} in {Delay}",
                        args.Outcome.Result?.RequestMessage?.RequestUri?.Host,
                        args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.GetType().Name,
                        args.AttemptNumber + 1, options.ModelMaxAttempts - 1, args.RetryDelay);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.AddTimeout(options.ModelTimeout).Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is not null)
        {
            // The body is sent once per attempt.
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        try
        {
            return await _pipeline.ExecuteAsync(async token => await base.SendAsync(request, token), cancellationToken);
        }
        catch (TimeoutRejectedException exception)
        {
            throw new ModelTimeoutException(
                $"the model did not answer within {_options.ModelTimeout.TotalSeconds:0.###} s ({_options.ModelMaxAttempts} attempts)", exception);
        }
    }

    private static bool IsRetryable(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
}
