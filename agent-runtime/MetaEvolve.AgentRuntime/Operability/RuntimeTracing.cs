using System.Diagnostics;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Operability;

/// <summary>
/// The worker's spans. Each task's span continues the submitter's trace (the envelope's traceparent), so an
/// OpenTelemetry listener (the SDK with any exporter, added by the host) shows gateway → queue → worker as one trace.
/// </summary>
internal static class RuntimeTracing
{
    public const string SourceName = "MetaEvolve.AgentRuntime";
    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartTask(TaskEnvelope envelope, string subject, int delivery)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        ActivityContext.TryParse(envelope.TraceParent, envelope.TraceState, isRemote: true, out var parent);
        var activity = Source.StartActivity("task.execute", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "nats")
            .SetTag("messaging.destination.name", subject)
            .SetTag("metaevolve.task.id", envelope.Id.ToString("D"))
            .SetTag("metaevolve.agent", envelope.Agent)
            .SetTag("metaevolve.delivery", delivery);
        return activity;
    }
}
