using System.Diagnostics;
using MetaEvolve.AgentRuntime.Agents;
using MetaEvolve.Core.Tasks;
using NATS.Client.JetStream;

namespace MetaEvolve.AgentRuntime.Operability;

/// <summary>
/// The worker's spans. Each task's span continues the trace of its publish (the message's traceparent header, see
/// <see cref="TaskTracing"/>), so an OpenTelemetry listener (the SDK with any exporter, added by the host) shows
/// gateway → queue → worker → model and tool calls as one trace.
/// </summary>
internal static class RuntimeTracing
{
    public const string SourceName = "MetaEvolve.AgentRuntime";
    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartTask(TaskEnvelope envelope, INatsJSMsg<byte[]> message, int delivery)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var subject = message.Subject;
        var activity = Source.StartActivity("task.execute", ActivityKind.Consumer, TaskTracing.ParentOf(message.Headers));
        activity?.SetTag("messaging.system", "nats")
            .SetTag("messaging.destination.name", subject)
            .SetTag("metaevolve.task.id", envelope.Id.ToString("D"))
            .SetTag("metaevolve.agent", envelope.Agent)
            .SetTag("metaevolve.delivery", delivery);
        return activity;
    }

    /// <summary>
    /// A model call's span, named and tagged by the OpenTelemetry GenAI conventions (<c>chat &lt;model&gt;</c>); the
    /// caller adds what the answer says. Message contents are never recorded.
    /// </summary>
    public static Activity? StartModelCall(ModelSettings model, Uri? endpoint)
    {
        var activity = Source.StartActivity($"chat {model.Model}", ActivityKind.Client);
        return activity?.SetTag("gen_ai.operation.name", "chat")
            .SetTag("gen_ai.provider.name", model.Provider switch
            {
                ModelProvider.AzureOpenAI => "azure.ai.openai",
                ModelProvider.Ollama => "ollama",
                _ => "openai",
            })
            .SetTag("gen_ai.request.model", model.Model)
            .SetTag("server.address", endpoint?.Host)
            .SetTag("server.port", endpoint?.Port);
    }

    /// <summary>A tool call's span (<c>execute_tool &lt;skill.function&gt;</c>), by the GenAI conventions.</summary>
    public static Activity? StartToolCall(string function, string? callId)
    {
        var activity = Source.StartActivity($"execute_tool {function}", ActivityKind.Internal);
        return activity?.SetTag("gen_ai.operation.name", "execute_tool")
            .SetTag("gen_ai.tool.name", function)
            .SetTag("gen_ai.tool.call.id", callId);
    }
}
