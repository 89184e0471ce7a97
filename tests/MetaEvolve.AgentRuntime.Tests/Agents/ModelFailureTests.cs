using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// Each way a model call can go wrong ends as designed: 429/5xx and timeouts are retried (3 attempts by default)
/// and then succeed or fail naming what happened; other statuses fail at once; a malformed tool call and a tool
/// that throws go back to the model as the tool's result; a model that never stops calling tools hits maxIterations.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ModelFailureTests : IAsyncLifetime
{
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;
    private Func<JsonObject, int, ScriptedReply> _script = (_, _) => ScriptedReply.Text("ok");
    private int _requests;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(request => _script(request, Interlocked.Increment(ref _requests)));
        await _env.PublishSkillAsync("calc-tools", AgentEnvironment.CalcSkill());
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Be brief.", AgentEnvironment.SkillRefs("calc-tools"), maxIterations: 3));
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    private async Task<TaskRecord> ChatAsync(IDictionary<string, string>? settings = null)
    {
        var worker = _env.StartWorker(extra: settings);
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        return await _env.RunAsync(_env.Chat("add 2 and 3"));
    }

    [Fact]
    public async Task Http_429_and_500_are_retried_and_the_task_then_succeeds()
    {
        _script = (_, n) => n switch
        {
            1 => ScriptedReply.Error(429, "slow down", retryAfterSeconds: 0),
            2 => ScriptedReply.Error(500, "hiccup"),
            _ => ScriptedReply.Text("recovered"),
        };
        var record = await ChatAsync();
        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        Assert.Equal("recovered", (string?)AgentEnvironment.Output(record)["answer"]);
        Assert.Equal(3, _model.Requests.Count);
        Assert.Equal(1, record.Attempts);
    }

    [Fact]
    public async Task Http_500_on_every_attempt_fails_with_status_attempts_and_the_model_message()
    {
        _script = (_, _) => ScriptedReply.Error(500, "upstream exploded");
        var record = await ChatAsync();
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.StartsWith("model OpenAICompatible/scripted-1: HTTP 500 (InternalServerError) after 3 attempts: ", record.Error, StringComparison.Ordinal);
        Assert.Contains("upstream exploded", record.Error, StringComparison.Ordinal);
        Assert.Equal(3, _model.Requests.Count);
    }

    [Fact]
    public async Task Http_429_on_every_attempt_fails_as_rate_limited()
    {
        _script = (_, _) => ScriptedReply.Error(429, "quota exceeded", retryAfterSeconds: 0);
        var record = await ChatAsync();
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.StartsWith("model OpenAICompatible/scripted-1: HTTP 429 (TooManyRequests) after 3 attempts: ", record.Error, StringComparison.Ordinal);
        Assert.Equal(3, _model.Requests.Count);
    }

    [Fact]
    public async Task Http_401_is_not_retried()
    {
        _script = (_, _) => ScriptedReply.Error(401, "bad key");
        var record = await ChatAsync();
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.StartsWith("model OpenAICompatible/scripted-1: HTTP 401 (Unauthorized): ", record.Error, StringComparison.Ordinal);
        Assert.Single(_model.Requests);
    }

    [Fact]
    public async Task Model_that_does_not_answer_in_time_fails_as_a_timeout_after_its_attempts()
    {
        _script = (_, _) => ScriptedReply.Hang(TimeSpan.FromSeconds(30));
        var record = await ChatAsync(new Dictionary<string, string> { ["Agents__ModelTimeout"] = "00:00:00.500", ["Agents__ModelMaxAttempts"] = "2" });
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.Equal("model OpenAICompatible/scripted-1: the model did not answer within 0.5 s (2 attempts)", record.Error);
        Assert.Equal(2, _model.Requests.Count);
    }

    [Fact]
    public async Task Malformed_tool_calls_go_back_to_the_model_which_can_recover()
    {
        _script = (request, _) => (string?)LastMessage(request)["role"] == "tool"
            ? ScriptedReply.Text("recovered after: " + string.Join(" | ", Messages(request).Where(m => (string?)m!["role"] == "tool").Select(Text)))
            : ScriptedReply.ToolCalls(("calc_tools-Add", "{not json"), ("calc_tools-Nope", "{}"));
        var record = await ChatAsync();
        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        var final = _model.Requests.Single(r => (string?)LastMessage(r)["role"] == "tool");
        var results = Messages(final).Where(m => (string?)m!["role"] == "tool").Select(Text).ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.StartsWith("Error:", r, StringComparison.Ordinal));
        Assert.StartsWith("recovered after: Error:", (string?)AgentEnvironment.Output(record)["answer"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tool_that_throws_is_reported_to_the_model_and_recorded_on_the_task()
    {
        _script = (request, _) => (string?)LastMessage(request)["role"] == "tool"
            ? ScriptedReply.Text("the tool failed: " + Text(LastMessage(request)))
            : ScriptedReply.ToolCalls(("calc_tools-Explode", """{"reason": "boom"}"""));
        var record = await ChatAsync();
        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        var output = AgentEnvironment.Output(record);
        var call = Assert.Single(output["toolCalls"]!.AsArray());
        Assert.Equal("calc_tools.Explode", (string?)call!["function"]);
        Assert.Contains("exploded: boom", (string?)call["error"], StringComparison.Ordinal);
        Assert.Contains("exploded: boom", (string?)output["answer"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Model_that_keeps_calling_tools_fails_at_maxIterations()
    {
        _script = (_, _) => ScriptedReply.ToolCalls(("calc_tools-Add", """{"a": 1, "b": 1}"""));
        var record = await ChatAsync();
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.Equal("the model still asked for tools after maxIterations=3 round trips (last: calc_tools.Add)", record.Error);
        Assert.Equal(3, _model.Requests.Count);
    }

    [Fact]
    public async Task Azure_connector_makes_exactly_the_configured_attempts()
    {
        var spec = AgentEnvironment.AgentSpec(_model, "Be brief.", AgentEnvironment.SkillRefs("calc-tools"));
        spec["model"]!["provider"] = "AzureOpenAI";
        spec["model"]!["endpoint"] = $"http://127.0.0.1:{_model.Port}/";
        await _env.SetAgentAsync(PipelineEnvironment.Agent, spec);
        _script = (_, _) => ScriptedReply.Error(503, "overloaded");
        var record = await ChatAsync();
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.StartsWith("model AzureOpenAI/scripted-1: HTTP 503 (ServiceUnavailable) after 3 attempts: ", record.Error, StringComparison.Ordinal);
        Assert.Equal(3, _model.Requests.Count);
    }
}
