using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// The gateway serves a namespace's agents over MCP: the official C# client, against a real gateway and worker, lists
/// each agent with a model as a tool and calls it — an ordinary chat task, recorded like any other.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class AgentMcpServerTests : IAsyncLifetime
{
    private const string Skills = "skills-only";
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;
    private AgentGateway _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(request => ScriptedReply.Text($"you said: {LastMessage(request)["content"]}"));
        var spec = AgentEnvironment.AgentSpec(_model, "Answer briefly.");
        spec["description"] = "Repeats what it is told.";
        await _env.SetAgentAsync(PipelineEnvironment.Agent, spec);
        await _env.SetAgentAsync(Skills, new JsonObject { ["poolRef"] = new JsonObject { ["name"] = PipelineEnvironment.Pool } });
        await _env.StartWorker().WaitReadyAsync(ServiceStartup.Limit);
        _gateway = await AgentGateway.StartAsync(_env);
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    [Fact]
    public async Task Each_agent_with_a_model_is_a_tool_described_by_its_spec()
    {
        await using var client = await ConnectAsync(_gateway.Key);

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        var tool = Assert.Single(tools);
        Assert.Equal(PipelineEnvironment.Agent, tool.Name);
        Assert.Equal("Repeats what it is told.", tool.Description);
        Assert.Equal(["message"], tool.JsonSchema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.True(tool.JsonSchema.GetProperty("properties").TryGetProperty("threadId", out _));
    }

    [Fact]
    public async Task A_tool_call_is_a_recorded_chat_task_whose_answer_comes_back()
    {
        await using var client = await ConnectAsync(_gateway.Key);

        var result = await client.CallToolAsync(PipelineEnvironment.Agent, new Dictionary<string, object?> { ["message"] = "over mcp" },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("you said: over mcp", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        var taskId = result.StructuredContent!.Value.GetProperty("taskId").GetGuid();
        var task = await _env.Pipeline.Tasks.GetAsync(taskId);
        Assert.NotNull(task);
        Assert.Equal(TaskStates.Succeeded, task.Status);
        Assert.Equal("tests", task.SubmittedBy);
        Assert.Contains("over mcp", task.InputJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_without_a_message_or_to_an_unknown_agent_fails_naming_it_and_queues_nothing()
    {
        await using var client = await ConnectAsync(_gateway.Key);
        var before = await _env.Pipeline.CountAsync("true");

        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync(PipelineEnvironment.Agent,
            new Dictionary<string, object?> { ["threadId"] = "t1" }, cancellationToken: TestContext.Current.CancellationToken).AsTask());
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("nobody",
            new Dictionary<string, object?> { ["message"] = "hello" }, cancellationToken: TestContext.Current.CancellationToken).AsTask());

        Assert.Contains("'message'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("'nobody'", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(before, await _env.Pipeline.CountAsync("true"));
    }

    [Fact]
    public async Task A_key_for_another_namespace_sees_no_tools()
    {
        await using var client = await ConnectAsync(_gateway.OtherKey);

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken).AsTask());

        Assert.Contains($"may not use namespace '{_env.Namespace}'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_without_a_key_is_refused_before_mcp()
    {
        using var http = new HttpClient { BaseAddress = _gateway.BaseAddress };
        using var response = await http.PostAsync(new Uri($"/v1/namespaces/{_env.Namespace}/mcp", UriKind.Relative),
            new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<McpClient> ConnectAsync(string key) => await McpClient.CreateAsync(
        new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_gateway.BaseAddress, $"/v1/namespaces/{_env.Namespace}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
        }),
        cancellationToken: TestContext.Current.CancellationToken);
}
