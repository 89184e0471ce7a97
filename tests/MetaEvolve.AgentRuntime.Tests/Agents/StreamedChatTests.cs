using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// A chat answer streams from the model through the worker onto <c>&lt;root&gt;.stream.&lt;taskId&gt;</c> while the task
/// runs; the worker answers for the text so far; the recorded answer and token usage are those of the whole stream, and
/// with streaming off the same answer is recorded from one JSON answer.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class StreamedChatTests : IAsyncLifetime
{
    private static readonly string[] Pieces = ["The", " answer", " is", " forty", "-two."];
    private readonly AgentEnvironment _env = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(_ => ScriptedReply.Streamed(Pieces, _release.Task, promptTokens: 31, completionTokens: 17));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Answer."));
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    [Fact]
    public async Task Deltas_arrive_in_order_before_the_task_ends_and_concatenate_to_the_recorded_answer()
    {
        var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var nats = _env.Pipeline.Nats;
        var names = _env.Pipeline.Names;
        var task = _env.Chat("what is the answer?");
        await using var deltas = await nats.SubscribeCoreAsync<byte[]>(names.AnswerStream(task.Id));
        await nats.PingAsync();

        await _env.Pipeline.Publisher.PublishAsync(task);
        // The model holds its last piece until released: everything before it must reach us while the task runs.
        var held = string.Concat(Pieces[..^1]);
        var received = new StringBuilder();
        var offsets = new List<int>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (received.Length < held.Length)
        {
            var delta = AnswerDelta.Read((await deltas.Msgs.ReadAsync(timeout.Token)).Data);
            Assert.NotNull(delta);
            Assert.Equal(1, delta.Attempt);
            Assert.Equal(received.Length, delta.Offset);
            offsets.Add(delta.Offset);
            received.Append(delta.Text);
        }

        Assert.Equal(held, received.ToString());
        Assert.Equal(TaskStates.Running, (await _env.Pipeline.Tasks.GetAsync(task.Id))!.Status);

        // A late listener asks the running worker for the text so far.
        var soFar = AnswerSoFar.Read((await nats.RequestAsync<byte[], byte[]>(names.AnswerSoFar(task.Id), [], cancellationToken: timeout.Token)).Data);
        Assert.NotNull(soFar);
        Assert.Equal(held, soFar.Text);
        Assert.Equal(held.Length, soFar.Length);

        _release.SetResult();
        var answer = string.Concat(Pieces);
        while (received.Length < answer.Length)
        {
            var delta = AnswerDelta.Read((await deltas.Msgs.ReadAsync(timeout.Token)).Data)!;
            Assert.Equal(received.Length, delta.Offset);
            received.Append(delta.Text);
        }

        var record = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));
        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        Assert.Equal(answer, (string?)AgentEnvironment.Output(record)["answer"]);
        Assert.Equal(answer, received.ToString());

        // The model was asked for a stream with usage, and the usage of its last chunk was recorded and counted.
        var request = Assert.Single(_model.Requests);
        Assert.True((bool)request["stream"]!);
        Assert.True((bool)request["stream_options"]!["include_usage"]!);
        Assert.Equal((31, 17), (record.PromptTokens, record.CompletionTokens));
        var metrics = await worker.GetStringAsync("/metrics");
        var labels = $"namespace=\"{_env.Namespace}\",agent=\"{PipelineEnvironment.Agent}\",model=\"scripted-1\"";
        Assert.Equal(31, Value(metrics, $"metaevolve_agent_tokens_total{{{labels},kind=\"input\"}}"));
        Assert.Equal(17, Value(metrics, $"metaevolve_agent_tokens_total{{{labels},kind=\"output\"}}"));

        // Once the task has ended nobody answers for it: NATS says so at once.
        await Assert.ThrowsAsync<NatsNoRespondersException>(async () =>
            await nats.RequestAsync<byte[], byte[]>(names.AnswerSoFar(task.Id), [], cancellationToken: timeout.Token));
    }

    [Fact]
    public async Task With_streaming_off_the_same_answer_and_usage_are_recorded_from_one_answer()
    {
        _release.SetResult();
        var worker = _env.StartWorker(extra: new Dictionary<string, string> { ["Agents__Streaming"] = "false" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var record = await _env.RunAsync(_env.Chat("what is the answer?"));

        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        Assert.Equal(string.Concat(Pieces), (string?)AgentEnvironment.Output(record)["answer"]);
        Assert.Equal((31, 17), (record.PromptTokens, record.CompletionTokens));
        Assert.False(Assert.Single(_model.Requests)["stream"] is JsonValue stream && (bool)stream);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Text_the_model_writes_before_calling_tools_is_not_the_answer(bool streaming)
    {
        await using var model = new ScriptedModelServer(request => (string?)ChatRequest.LastMessage(request)["role"] == "tool"
            ? ScriptedReply.Text("The sum is 5.")
            : ScriptedReply.TextThenToolCalls("Let me add them.", ("calc_tools-Add", """{"a": 2, "b": 3}""")));
        await _env.PublishSkillAsync("calc-tools", AgentEnvironment.CalcSkill());
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(model, "Use your tools.", AgentEnvironment.SkillRefs("calc-tools")));
        var worker = _env.StartWorker(extra: new Dictionary<string, string> { ["Agents__Streaming"] = streaming ? "true" : "false" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var task = _env.Chat("add two and three");
        await using var deltas = await _env.Pipeline.Nats.SubscribeCoreAsync<byte[]>(_env.Pipeline.Names.AnswerStream(task.Id));
        await _env.Pipeline.Nats.PingAsync();

        await _env.Pipeline.Publisher.PublishAsync(task);
        var record = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));

        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        Assert.Equal("The sum is 5.", (string?)AgentEnvironment.Output(record)["answer"]);
        Assert.Equal(2, model.Requests.Count);
        if (streaming)
        {
            // The answer started over after the tool call: its round's deltas are the recorded answer.
            await _env.Pipeline.Nats.PingAsync();
            var received = new List<AnswerDelta>();
            while (deltas.Msgs.TryRead(out var message))
            {
                received.Add(AnswerDelta.Read(message.Data)!);
            }

            var last = received.Max(d => d.Round);
            Assert.True(last >= 1, string.Join(", ", received));
            Assert.Equal("The sum is 5.", string.Concat(received.Where(d => d.Round == last).Select(d => d.Text)));
        }
    }

    private static double Value(string metrics, string series)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no sample {series}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
