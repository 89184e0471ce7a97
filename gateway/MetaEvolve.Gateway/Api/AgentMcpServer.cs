using System.Text.Json;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Auth;
using MetaEvolve.Gateway.Tasks;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Npgsql;

namespace MetaEvolve.Gateway.Api;

/// <summary>
/// <c>/v1/namespaces/{ns}/mcp</c>: a namespace's agents as the tools of an MCP server (streamable HTTP), so any MCP
/// client — an IDE, another agent — can use them. Each agent with a model is a tool named after it, described by its
/// <c>spec.description</c>, taking a <c>message</c> and an optional <c>threadId</c>. A call is an ordinary chat task
/// (queued, autoscaled, recorded, the key's limits applied) that the call waits for up to the gateway's MaxWait.
/// Stateless: no MCP session is kept, so any replica answers any request, as for the rest of the API.
/// </summary>
public static class AgentMcpServer
{
    public const string Path = "/namespaces/{ns}/mcp";

    public static void AddAgentMcpServer(this IServiceCollection services) =>
        services.AddMcpServer(options => options.ServerInfo = new Implementation { Name = "metaevolve-agents", Version = "v1alpha1" })
            .WithHttpTransport(transport =>
            {
                transport.Stateless = true;
                // Per request (stateless): the handlers see the request's namespace and API key.
                transport.ConfigureSessionOptions = (http, options, _) =>
                {
                    var ns = (string)http.GetRouteValue("ns")!;
                    options.Handlers.ListToolsHandler = (_, token) => ListAsync(http, ns, token);
                    options.Handlers.CallToolHandler = (request, token) => CallAsync(http, ns, request.Params!, token);
                    return Task.CompletedTask;
                };
            });

    /// <summary>Under the authenticated, rate-limited <c>/v1</c> group.</summary>
    public static void Map(RouteGroupBuilder v1) => v1.MapMcp(Path);

    private static async ValueTask<ListToolsResult> ListAsync(HttpContext http, string ns, CancellationToken cancellationToken)
    {
        var caller = Admit(http, ns);
        var agents = await http.RequestServices.GetRequiredService<AgentRepository>().ListAsync(ns, cancellationToken);
        return new ListToolsResult
        {
            Tools = [.. agents.Where(a => caller.MayCall(a.Name)).Select(Tool).OfType<Tool>().OrderBy(t => t.Name, StringComparer.Ordinal)],
        };
    }

    /// <summary>The agent's tool, or null for an agent without a model (it takes direct skill calls only).</summary>
    private static Tool? Tool(AgentRecord agent)
    {
        using var spec = JsonDocument.Parse(agent.SpecJson);
        var root = spec.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var description = root.TryGetProperty("description", out var d) && d.GetString() is { Length: > 0 } text
            ? text
            : $"The MetaEvolve agent {agent.Namespace}/{agent.Name}.";
        return new Tool { Name = agent.Name, Description = description, InputSchema = InputSchema };
    }

    private static readonly JsonElement InputSchema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "message": { "type": "string", "description": "What to ask the agent." },
            "threadId": { "type": "string", "description": "Continue this conversation (the agent remembers its turns); omit for a new one." }
          },
          "required": ["message"]
        }
        """).RootElement;

    private static async ValueTask<CallToolResult> CallAsync(HttpContext http, string ns, CallToolRequestParams call, CancellationToken cancellationToken)
    {
        var caller = Admit(http, ns);
        var agent = call.Name;
        if (!caller.MayCall(agent))
        {
            throw new McpProtocolException($"API key '{caller.Name}' may not submit to agent '{agent}'", McpErrorCode.InvalidParams);
        }

        var arguments = call.Arguments ?? new Dictionary<string, JsonElement>();
        if (!arguments.TryGetValue("message", out var m) || m.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(m.GetString()))
        {
            throw new McpProtocolException("argument 'message' is required: a non-empty string", McpErrorCode.InvalidParams);
        }

        string? threadId = null;
        if (arguments.TryGetValue("threadId", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            threadId = t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 and <= SubmitRequestReader.MaxThreadIdLength } thread
                ? thread
                : throw new McpProtocolException($"argument 'threadId' must be a string of 1-{SubmitRequestReader.MaxThreadIdLength} characters", McpErrorCode.InvalidParams);
        }

        var services = http.RequestServices;
        var options = services.GetRequiredService<GatewayOptions>();
        try
        {
            var admission = await services.GetRequiredService<TaskAdmission>().SubmitAsync(
                caller, ns, agent, TaskInput.Chat(m.GetString()!), threadId, deadline: null, idempotencyKey: null, watch: true, cancellationToken);
            if (admission.Submitted is not { } submitted)
            {
                return Failed(admission.Reason!);
            }

            await using var watch = submitted.Watch;
            var record = await watch!.SettledAsync(options.MaxWait, cancellationToken);
            return record switch
            {
                { Status: TaskStates.Succeeded } done => Answered(done),
                { Status: TaskStates.Failed or TaskStates.Cancelled } ended => Failed($"task {ended.Id} {ended.Status}: {ended.Error}"),
                _ => Failed($"task {submitted.Id} did not end within {options.MaxWait.TotalSeconds:0} s; it goes on: GET /v1/tasks/{submitted.Id}?wait=60s"),
            };
        }
        catch (UnknownAgentException)
        {
            throw new McpProtocolException($"unknown tool '{agent}': no agent of that name in namespace '{ns}'", McpErrorCode.InvalidParams);
        }
        catch (Exception ex) when (ex is PoolWithoutConsumerException or QueueFullException or InvalidTaskException)
        {
            return Failed(ex.Message);
        }
        catch (NpgsqlException)
        {
            return Failed("the task store is unavailable; nothing was accepted");
        }
    }

    /// <summary>The caller, when its key may submit in <paramref name="ns"/>; otherwise the request fails naming why.</summary>
    private static ApiKeyIdentity Admit(HttpContext http, string ns)
    {
        var caller = KeyAccess.Caller(http);
        if (caller is null || !caller.MayUse(ns))
        {
            throw new McpProtocolException($"API key '{caller?.Name}' may not use namespace '{ns}'", McpErrorCode.InvalidRequest);
        }

        return caller.Has(KeyScopes.Submit)
            ? caller
            : throw new McpProtocolException($"API key '{caller.Name}' lacks the '{KeyScopes.Submit}' scope", McpErrorCode.InvalidRequest);
    }

    /// <summary>The answer as text; the task id and thread in the structured content, for a client that follows up.</summary>
    private static CallToolResult Answered(TaskRecord task)
    {
        using var output = JsonDocument.Parse(task.OutputJson ?? "{}");
        var answer = output.RootElement.TryGetProperty("answer", out var a) ? a.GetString() ?? "" : output.RootElement.GetRawText();
        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = answer }],
            StructuredContent = JsonSerializer.SerializeToElement(new { taskId = task.Id, threadId = task.ThreadId, answer }),
        };
    }

    private static CallToolResult Failed(string why) => new() { IsError = true, Content = [new TextContentBlock { Text = why }] };
}
