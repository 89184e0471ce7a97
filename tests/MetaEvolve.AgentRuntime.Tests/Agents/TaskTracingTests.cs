using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// A real gateway and a real worker export their spans over OTLP to one receiver: a chat task submitted with the
/// caller's traceparent is one trace — the gateway's request span, the submission, the NATS publish (its context in the
/// message headers), the worker's task span, one <c>chat &lt;model&gt;</c> span per model call and one
/// <c>execute_tool &lt;function&gt;</c> span per tool call — with the OpenTelemetry GenAI attributes and no message
/// contents.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class TaskTracingTests : IAsyncLifetime
{
    private const string Question = "what is two plus three, privately";
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(request => (string?)LastMessage(request)["role"] == "tool"
            ? ScriptedReply.Text("five", promptTokens: 30, completionTokens: 4)
            : ScriptedReply.ToolCalls(("calc_tools-Add", """{"a": 2, "b": 3}""")));
        await _env.PublishSkillAsync("calc-tools", AgentEnvironment.CalcSkill());
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Use your tools.", AgentEnvironment.SkillRefs("calc-tools")));
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    [Fact]
    public async Task A_chat_task_submitted_through_the_gateway_is_one_trace_from_the_request_to_the_tool_call()
    {
        await using var collector = new OtlpTraceReceiver();
        var worker = _env.StartWorker(extra: collector.Environment);
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        await using var gateway = await AgentGateway.StartAsync(_env, collector.Environment);

        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpan = ActivitySpanId.CreateRandom().ToHexString();
        using var client = gateway.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/namespaces/{_env.Namespace}/agents/{PipelineEnvironment.Agent}/tasks?wait=60s")
        {
            Content = JsonContent.Create(new { message = Question }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(TaskStates.Succeeded, JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());

        var spans = await SpansAsync(collector, traceId, count: 7);
        var http = Assert.Single(spans, s => s.ParentSpanId == callerSpan);
        Assert.Equal("POST /v1/namespaces/{ns}/agents/{agent}/tasks", http.Name);
        Assert.Equal(200L, http.Attribute("http.response.status_code"));
        var submit = Assert.Single(spans, s => s.Name == "task.submit");
        Assert.Equal(http.SpanId, submit.ParentSpanId);
        var publish = Assert.Single(spans, s => s.Name == "publish metaevolve.tasks");
        Assert.Equal(submit.SpanId, publish.ParentSpanId);
        Assert.Equal("nats", publish.Attribute("messaging.system"));
        var task = Assert.Single(spans, s => s.Name == "task.execute");
        Assert.Equal(publish.SpanId, task.ParentSpanId);

        var chats = spans.Where(s => s.Name == "chat scripted-1").ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, chat =>
        {
            Assert.Equal(task.SpanId, chat.ParentSpanId);
            Assert.Equal("chat", chat.Attribute("gen_ai.operation.name"));
            Assert.Equal("scripted-1", chat.Attribute("gen_ai.request.model"));
        });
        Assert.Equal([20L + 30L, 8L + 4L], [chats.Sum(c => (long)c.Attribute("gen_ai.usage.input_tokens")!), chats.Sum(c => (long)c.Attribute("gen_ai.usage.output_tokens")!)]);
        Assert.Equal(["stop", "tool_calls"], chats.SelectMany(c => ((object?[])c.Attribute("gen_ai.response.finish_reasons")!).Cast<string>()).Order());

        var tool = Assert.Single(spans, s => s.Name == "execute_tool calc_tools.Add");
        Assert.Equal(task.SpanId, tool.ParentSpanId);
        Assert.Equal("execute_tool", tool.Attribute("gen_ai.operation.name"));
        Assert.Equal("calc_tools.Add", tool.Attribute("gen_ai.tool.name"));

        // Contents stay out of traces.
        Assert.DoesNotContain(spans.SelectMany(s => s.Attributes.Values), value => value.ToString()!.Contains("privately", StringComparison.Ordinal));
    }

    /// <summary>The trace's spans once <paramref name="count"/> have arrived (exporters send every 100 ms).</summary>
    private static async Task<List<OtlpSpan>> SpansAsync(OtlpTraceReceiver collector, string traceId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<OtlpSpan> spans;
        while ((spans = [.. collector.Spans.Where(s => s.TraceId == traceId)]).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the trace's {count} spans within 30 s; got: {string.Join(", ", spans.Select(s => s.Name))}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        return spans;
    }
}
