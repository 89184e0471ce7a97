using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// A real worker exports its spans over OTLP: a chat task's span is the parent of one <c>chat &lt;model&gt;</c> span per
/// model call and one <c>execute_tool &lt;function&gt;</c> span per tool call, with the OpenTelemetry GenAI attributes
/// and no message contents.
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
    public async Task A_chat_task_exports_its_span_with_a_chat_span_per_model_call_and_an_execute_tool_span_per_tool_call()
    {
        await using var collector = new OtlpTraceReceiver();
        var worker = _env.StartWorker(extra: collector.Environment);
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = await _env.RunAsync(_env.Chat(Question));
        Assert.True(task.Status == TaskStates.Succeeded, task.Error);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<OtlpSpan> spans;
        while ((spans = [.. collector.Spans.Where(s => s.TraceId == TraceOf(collector, task.Id))]).Count < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the task's 4 spans within 30 s; got: {string.Join(", ", collector.Spans.Select(s => s.Name))}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var root = Assert.Single(spans, s => s.Name == "task.execute");
        var chats = spans.Where(s => s.Name == "chat scripted-1").ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, chat =>
        {
            Assert.Equal(root.SpanId, chat.ParentSpanId);
            Assert.Equal("chat", chat.Attribute("gen_ai.operation.name"));
            Assert.Equal("scripted-1", chat.Attribute("gen_ai.request.model"));
        });
        Assert.Equal([20L + 30L, 8L + 4L], [chats.Sum(c => (long)c.Attribute("gen_ai.usage.input_tokens")!), chats.Sum(c => (long)c.Attribute("gen_ai.usage.output_tokens")!)]);
        Assert.Equal(["stop", "tool_calls"], chats.SelectMany(c => ((object?[])c.Attribute("gen_ai.response.finish_reasons")!).Cast<string>()).Order());

        var tool = Assert.Single(spans, s => s.Name == "execute_tool calc_tools.Add");
        Assert.Equal(root.SpanId, tool.ParentSpanId);
        Assert.Equal("execute_tool", tool.Attribute("gen_ai.operation.name"));
        Assert.Equal("calc_tools.Add", tool.Attribute("gen_ai.tool.name"));

        // Contents stay out of traces.
        Assert.DoesNotContain(spans.SelectMany(s => s.Attributes.Values), value => value.ToString()!.Contains("privately", StringComparison.Ordinal));
    }

    private static string? TraceOf(OtlpTraceReceiver collector, Guid taskId) =>
        collector.Spans.FirstOrDefault(s => s.Name == "task.execute" && (string?)s.Attribute("metaevolve.task.id") == taskId.ToString("D"))?.TraceId;
}
