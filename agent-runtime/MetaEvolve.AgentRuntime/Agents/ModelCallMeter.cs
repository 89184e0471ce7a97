using System.Diagnostics;
using System.Net;
using MetaEvolve.AgentRuntime.Operability;
using Prometheus;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Counts and traces every model call an agent makes — tokens in and out, their cost when the agent's model has prices,
/// the call's duration and its failures by kind, and a <c>chat &lt;model&gt;</c> span with the OpenTelemetry GenAI
/// attributes (no message contents) — at the HTTP layer, the one place that sees each call: Semantic Kernel runs the
/// tool-calling loop inside its connector, so a request per round trip passes here, and prompt skills' calls too. It
/// sits outside <see cref="ModelRetryHandler"/>, so a call is counted once with its final outcome, retries included in
/// its duration. Usage comes from the response's <c>usage</c> object (chat completions), or, for a streamed answer
/// (SSE), from its last chunk as the connector reads it (<see cref="StreamedAnswerContent"/>): then the span ends with the
/// stream, while the duration is the time to the answer's first byte. The agent's <see cref="BudgetGuard"/>, when given,
/// may refuse a call before it is sent and hears each answer's usage.
/// </summary>
public sealed class ModelCallMeter(string ns, string agent, ModelSettings model, BudgetGuard? budget = null) : DelegatingHandler
{
    private static readonly Counter Tokens = Metrics.CreateCounter(
        "metaevolve_agent_tokens_total", "Model tokens an agent used, by kind (input: prompt, output: completion).",
        new CounterConfiguration { LabelNames = ["namespace", "agent", "model", "kind"] });

    private static readonly Counter Cost = Metrics.CreateCounter(
        "metaevolve_agent_cost_total", "What an agent's model tokens cost, from spec.model.pricing (agents without prices have none).",
        new CounterConfiguration { LabelNames = ["namespace", "agent", "model", "currency"] });

    private static readonly Histogram Duration = Metrics.CreateHistogram(
        "metaevolve_model_call_duration_seconds", "Model calls from request to answer, retries included.",
        new HistogramConfiguration { LabelNames = ["namespace", "agent", "model"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });

    private static readonly Counter Errors = Metrics.CreateCounter(
        "metaevolve_model_errors_total",
        "Model calls that failed, by kind: timeout, unreachable, rate_limited, unauthorized, rejected (other 4xx), server_error (5xx).",
        new CounterConfiguration { LabelNames = ["namespace", "agent", "model", "kind"] });

    private readonly Counter.Child _input = Tokens.WithLabels(ns, agent, model.Model, "input");
    private readonly Counter.Child _output = Tokens.WithLabels(ns, agent, model.Model, "output");
    private readonly Counter.Child? _cost = model.Pricing is { } prices ? Cost.WithLabels(ns, agent, model.Model, prices.Currency) : null;
    private readonly Histogram.Child _duration = Duration.WithLabels(ns, agent, model.Model);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (budget is not null)
        {
            await budget.BeforeCallAsync();
        }

        var span = RuntimeTracing.StartModelCall(model, request.RequestUri);
        using var ending = new SpanEnd(span);
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            _duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            var kind = exception is ModelTimeoutException ? "timeout" : "unreachable";
            Errors.WithLabels(ns, agent, model.Model, kind).Inc();
            span?.SetTag("error.type", kind).SetStatus(ActivityStatusCode.Error);
            throw;
        }

        _duration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (!response.IsSuccessStatusCode)
        {
            Errors.WithLabels(ns, agent, model.Model, ErrorKind(response.StatusCode)).Inc();
            span?.SetTag("error.type", ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)).SetStatus(ActivityStatusCode.Error);
        }
        else if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            // Buffered, so the connector reads the same body after this.
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            if (ModelAnswer.Read(await response.Content.ReadAsByteArrayAsync(cancellationToken)) is { } answer)
            {
                Answered(answer, span);
            }
        }
        else if (StreamedAnswerContent.IsStream(response))
        {
            // The usage arrives with the stream's last chunk, long after this returns: the span ends there.
            ending.Keep();
            response.Content = new StreamedAnswerContent(response.Content, answer =>
            {
                Answered(answer, span);
                span?.Dispose();
            });
        }

        return response;
    }

    /// <summary>What the model said about a call it answered, from a JSON body or the end of a stream.</summary>
    private void Answered(ModelAnswer answer, Activity? span)
    {
        Count(answer);
        budget?.AfterCall(answer);
        span?.SetTag("gen_ai.response.model", answer.Model)
            .SetTag("gen_ai.usage.input_tokens", answer.InputTokens)
            .SetTag("gen_ai.usage.output_tokens", answer.OutputTokens)
            .SetTag("gen_ai.response.finish_reasons", answer.FinishReasons);
    }

    /// <summary>Ends the span when the call returns, unless a streamed answer took it over.</summary>
    private sealed class SpanEnd(Activity? span) : IDisposable
    {
        private bool _kept;

        public void Keep() => _kept = true;

        public void Dispose()
        {
            if (!_kept)
            {
                span?.Dispose();
            }
        }
    }

    private void Count(ModelAnswer answer)
    {
        _input.Inc(answer.InputTokens);
        _output.Inc(answer.OutputTokens);
        if (model.Pricing is { } prices)
        {
            _cost!.Inc(prices.CostOf(answer.InputTokens, answer.OutputTokens));
        }
    }

    private static string ErrorKind(HttpStatusCode status) => (int)status switch
    {
        429 => "rate_limited",
        401 or 403 => "unauthorized",
        >= 500 => "server_error",
        _ => "rejected",
    };
}
