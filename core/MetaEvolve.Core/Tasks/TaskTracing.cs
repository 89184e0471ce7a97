using System.Diagnostics;
using NATS.Client.Core;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// A task's hop through JetStream in a trace, by the OpenTelemetry messaging conventions: a <c>publish</c> span
/// (producer) whose W3C context travels in the message's <c>traceparent</c>/<c>tracestate</c> headers, which the
/// worker's task span continues. Headers, not the body, so the context is read without decoding the task, and a
/// re-publish (outbox relay, retry) carries the trace the task was submitted under.
/// </summary>
public static class TaskTracing
{
    public const string SourceName = "MetaEvolve.Tasks";
    public static readonly ActivitySource Source = new(SourceName);

    private const string TraceParentHeader = "traceparent";
    private const string TraceStateHeader = "tracestate";

    /// <summary>
    /// The publish span: a child of the current span, or, when there is none (a relay publishing long after the
    /// request), of the trace the envelope was submitted under.
    /// </summary>
    public static Activity? StartPublish(TaskEnvelope envelope, string subject)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (!Source.HasListeners())
        {
            return null;
        }

        var parent = Activity.Current is null && ActivityContext.TryParse(envelope.TraceParent, envelope.TraceState, isRemote: true, out var submitted)
            ? submitted
            : default;
        return Source.StartActivity("publish metaevolve.tasks", ActivityKind.Producer, parent)?
            .SetTag("messaging.system", "nats")
            .SetTag("messaging.operation.type", "send")
            .SetTag("messaging.destination.name", subject)
            .SetTag("messaging.message.id", envelope.Id.ToString("D"));
    }

    /// <summary>The headers that carry the publish span's context, else the envelope's; none without a trace.</summary>
    public static NatsHeaders? Headers(Activity? publish, TaskEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var (traceParent, traceState) = publish is null ? (envelope.TraceParent, envelope.TraceState) : (publish.Id, publish.TraceStateString);
        if (traceParent is null)
        {
            return null;
        }

        var headers = new NatsHeaders { [TraceParentHeader] = traceParent };
        if (!string.IsNullOrEmpty(traceState))
        {
            headers[TraceStateHeader] = traceState;
        }

        return headers;
    }

    /// <summary>The context a consumer's span continues: the message's headers (default when it has none).</summary>
    public static ActivityContext ParentOf(NatsHeaders? headers)
    {
        if (headers is null || !headers.TryGetValue(TraceParentHeader, out var traceParent))
        {
            return default;
        }

        headers.TryGetValue(TraceStateHeader, out var traceState);
        ActivityContext.TryParse(traceParent.ToString(), traceState.Count > 0 ? traceState.ToString() : null, isRemote: true, out var parent);
        return parent;
    }
}
