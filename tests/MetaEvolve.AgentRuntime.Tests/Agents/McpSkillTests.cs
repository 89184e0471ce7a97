using System.Text.Json.Nodes;
using MetaEvolve.Core.Skills.Mcp;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// Skills of type Mcp in a real worker process against a real MCP server (the official SDK on Kestrel): the tools become
/// kernel functions a scripted model calls and direct calls reach; the header secret arrives from the environment the
/// operator fills and shows nowhere else; the allowlist hides tools; a server that goes down fails calls clearly, and
/// one that comes back serves again without restarting the worker.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class McpSkillTests : IAsyncLifetime
{
    private const string Skill = "remote-tools";
    private const string Key = "mcp-key-7c1d9e-never-logged";
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;
    private McpTestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _server = await McpTestServer.StartAsync(requiredKey: Key);
        _model = new ScriptedModelServer(Script);
        await _env.PublishSkillAsync(Skill, McpSkill(_server.Url, tools: ["echo", "add", "fail"]));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Use your tools.", AgentEnvironment.SkillRefs(Skill)));
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
        await _server.DisposeAsync();
    }

    public static JsonObject McpSkill(string url, string[]? tools = null, int timeoutSeconds = 5, string transport = "StreamableHttp") => new()
    {
        ["type"] = "Mcp",
        ["version"] = "1.0.0",
        ["description"] = "Tools of a remote MCP server.",
        ["mcp"] = new JsonObject
        {
            ["url"] = url,
            ["transport"] = transport,
            ["headersFrom"] = new JsonArray(new JsonObject
            {
                ["name"] = McpTestServer.KeyHeader,
                ["secretKeyRef"] = new JsonObject { ["name"] = "mcp-credentials", ["key"] = "key" },
            }),
            ["tools"] = tools is null ? null : new JsonArray([.. tools.Select(t => (JsonNode)t)]),
            ["timeoutSeconds"] = timeoutSeconds,
        },
    };

    private static ScriptedReply Script(JsonObject request)
    {
        var last = LastMessage(request);
        return (string?)last["role"] == "tool"
            ? ScriptedReply.Text("The tool said: " + Text(last))
            : ScriptedReply.ToolCalls(("remote_tools-add", """{"a": 2, "b": 40}"""));
    }

    private TaskEnvelope Call(string function, string arguments) => _env.Call(Skill, function, arguments);

    private ChildProcess StartWorker(IDictionary<string, string>? extra = null, string skill = Skill)
    {
        var settings = new Dictionary<string, string>(extra ?? new Dictionary<string, string>()) { [McpHeaderSecrets.Variable(skill, McpTestServer.KeyHeader)] = Key };
        return _env.StartWorker(extra: settings);
    }

    [Fact]
    public async Task A_model_calls_an_mcp_tool_and_answers_with_its_result_traced_as_a_tool_call()
    {
        await using var collector = new OtlpTraceReceiver();
        await using var worker = StartWorker(collector.Environment);
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = await _env.RunAsync(_env.Chat("add 2 and 40"));

        Assert.True(task.Status == TaskStates.Succeeded, task.Error);
        var output = AgentEnvironment.Output(task);
        Assert.Equal("The tool said: 42", (string?)output["answer"]);
        Assert.Equal(["remote_tools.add"], output["toolCalls"]!.AsArray().Select(c => (string)c!["function"]!));
        var toolRequest = _model.Requests.First(HasTools);
        // The allowlist exposes echo, add and fail; the server's delete-everything is not offered to the model.
        Assert.Equal(["remote_tools-add", "remote_tools-echo", "remote_tools-fail"], ToolNames(toolRequest).Order());
        var add = toolRequest["tools"]!.AsArray().Single(t => (string?)t!["function"]!["name"] == "remote_tools-add")!;
        Assert.Equal("integer", (string?)add["function"]!["parameters"]!["properties"]!["a"]!["type"]);
        Assert.Equal(["a", "b"], add["function"]!["parameters"]!["required"]!.AsArray().Select(r => (string)r!).Order());
        Assert.Equal(["add"], _server.Calls);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!collector.Spans.Any(s => s.Name == "execute_tool remote_tools.add") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var span = Assert.Single(collector.Spans, s => s.Name == "execute_tool remote_tools.add");
        Assert.Equal("execute_tool", span.Attribute("gen_ai.operation.name"));
        Assert.DoesNotContain(collector.Spans, s => s.Attributes.Values.Any(v => v?.ToString()?.Contains(Key, StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task A_direct_call_reaches_the_tool_with_typed_arguments_and_the_header_secret_shows_nowhere_else()
    {
        await using var worker = StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var echo = await _env.RunAsync(Call("echo", """{"text": "over mcp"}"""));
        var add = await _env.RunAsync(Call("add", """{"a": "2", "b": "3"}"""));

        Assert.True(echo.Status == TaskStates.Succeeded, echo.Error);
        Assert.Equal("echo: over mcp", (string?)AgentEnvironment.Output(echo)["result"]);
        Assert.True(add.Status == TaskStates.Succeeded, add.Error);
        Assert.Equal("5", (string?)AgentEnvironment.Output(add)["result"]);
        Assert.All(_server.ReceivedKeys, k => Assert.Equal(Key, k));
        Assert.NotEmpty(_server.ReceivedKeys);
        Assert.DoesNotContain(Key, worker.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, echo.OutputJson ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_allowlist_hides_other_tools_and_a_tool_error_fails_the_call_naming_it()
    {
        await using var worker = StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var hidden = await _env.RunAsync(Call("delete-everything", "{}"));
        var failed = await _env.RunAsync(Call("fail", """{"reason": "testing"}"""));

        Assert.Equal(TaskStates.Failed, hidden.Status);
        Assert.Contains("has no function 'delete-everything'", hidden.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("delete-everything", _server.Calls);
        Assert.Equal(TaskStates.Failed, failed.Status);
        Assert.Contains("remote_tools.fail failed", failed.Error, StringComparison.Ordinal);
        Assert.Contains("failed on purpose: testing", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_goes_down_fails_calls_clearly_and_serves_again_when_it_comes_back()
    {
        await using var worker = StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var before = await _env.RunAsync(Call("echo", """{"text": "one"}"""));
        Assert.True(before.Status == TaskStates.Succeeded, before.Error);

        await _server.StopAsync();
        var down = await _env.RunAsync(Call("echo", """{"text": "two"}"""));

        Assert.Equal(TaskStates.Failed, down.Status);
        Assert.Contains($"MCP server {_server.Url} did not answer calling echo", down.Error, StringComparison.Ordinal);

        await _server.StartAgainAsync();
        var after = await _env.RunAsync(Call("echo", """{"text": "three"}"""));

        Assert.True(after.Status == TaskStates.Succeeded, after.Error);
        Assert.Equal("echo: three", (string?)AgentEnvironment.Output(after)["result"]);
        Assert.False(worker.HasExited);
    }

    [Fact]
    public async Task A_skill_on_the_sse_transport_calls_its_tools_over_the_sse_endpoint()
    {
        const string sseSkill = "sse-tools";
        await _env.PublishSkillAsync(sseSkill, McpSkill(_server.SseUrl, tools: ["echo"], transport: "Sse"));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Use your tools.", AgentEnvironment.SkillRefs(sseSkill)));
        await using var worker = StartWorker(skill: sseSkill);
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var echo = await _env.RunAsync(_env.Call(sseSkill, "echo", """{"text": "over sse"}"""));
        var hidden = await _env.RunAsync(_env.Call(sseSkill, "add", """{"a": 1, "b": 2}"""));

        Assert.True(echo.Status == TaskStates.Succeeded, echo.Error);
        Assert.Equal("echo: over sse", (string?)AgentEnvironment.Output(echo)["result"]);
        Assert.Equal(TaskStates.Failed, hidden.Status);
        Assert.Equal(["echo"], _server.Calls);
        // The SSE transport's two endpoints, and never the streamable HTTP one.
        Assert.Contains("/mcp/sse", _server.ReceivedPaths);
        Assert.Contains("/mcp/message", _server.ReceivedPaths);
        Assert.DoesNotContain("/mcp", _server.ReceivedPaths);
    }

    [Fact]
    public async Task A_worker_without_the_header_secret_fails_the_task_naming_the_variable()
    {
        await using var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = await _env.RunAsync(Call("echo", """{"text": "x"}"""));

        Assert.Equal(TaskStates.Failed, task.Status);
        Assert.Contains(McpHeaderSecrets.Variable(Skill, McpTestServer.KeyHeader), task.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Calls);
    }
}
