using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.AgentRuntime.Tests.Agents;
using MetaEvolve.Cli;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

/// <summary>
/// Chat answers stream from a real worker through either gateway's <c>GET /v1/tasks/{id}/events</c> as <c>delta</c>
/// events, and through <c>metaevolve submit --stream</c>. The scripted model holds each answer's last piece until the
/// test has seen the text before it, so "before the task ends" is a fact of the run, not of timing.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class AnswerStreamingTests(StreamingGatewayEnvironment env) : IClassFixture<StreamingGatewayEnvironment>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Deltas_arrive_in_order_before_the_task_ends_through_a_replica_that_did_not_take_the_submission()
    {
        var (message, pieces, release) = env.Hold();
        using var a = env.Gateways[0].Client(env.Key);
        using var b = env.Gateways[1].Client(env.Key);
        var id = await SubmitAsync(a, message);
        using var timeout = new CancellationTokenSource(Patience);
        await using var events = Events(b, id, timeout.Token).GetAsyncEnumerator(timeout.Token);

        var held = string.Concat(pieces[..^1]);
        var text = new StringBuilder();
        while (text.Length < held.Length)
        {
            Assert.True(await events.MoveNextAsync(), $"the events ended with only '{text}'");
            var (name, data) = events.Current;
            Assert.True(name is "delta" or "status", $"{name}: {data}");
            if (name == "status")
            {
                Assert.NotEqual("succeeded", JsonNode.Parse(data)!["status"]!.GetValue<string>());
                continue;
            }

            var delta = JsonNode.Parse(data)!;
            Assert.Equal(text.Length, delta["offset"]!.GetValue<int>());
            text.Append(delta["text"]!.GetValue<string>());
        }

        Assert.Equal(held, text.ToString());
        release();
        var (rest, final) = await RestAsync(events);
        text.Append(rest);
        Assert.Equal("succeeded", final["status"]!.GetValue<string>());
        Assert.Equal(string.Concat(pieces), text.ToString());
        Assert.Equal(text.ToString(), await RecordedAnswerAsync(a, id));
    }

    [Fact]
    public async Task A_listener_that_joins_late_gets_the_text_so_far_and_then_the_rest()
    {
        var (message, pieces, release) = env.Hold();
        using var a = env.Gateways[0].Client(env.Key);
        using var b = env.Gateways[1].Client(env.Key);
        var id = await SubmitAsync(a, message);
        using var timeout = new CancellationTokenSource(Patience);
        await using var early = Events(a, id, timeout.Token).GetAsyncEnumerator(timeout.Token);
        var held = string.Concat(pieces[..^1]);
        var seen = new StringBuilder();
        while (seen.Length < held.Length)
        {
            Assert.True(await early.MoveNextAsync());
            if (early.Current.Event == "delta")
            {
                seen.Append(JsonNode.Parse(early.Current.Data)!["text"]!.GetValue<string>());
            }
        }

        // Everything but the last piece has streamed; a second listener on the other replica joins now.
        await using var late = Events(b, id, timeout.Token).GetAsyncEnumerator(timeout.Token);
        var lateText = new StringBuilder();
        while (lateText.Length < held.Length)
        {
            Assert.True(await late.MoveNextAsync(), $"the late listener's events ended with only '{lateText}'");
            if (late.Current.Event == "delta")
            {
                lateText.Append(JsonNode.Parse(late.Current.Data)!["text"]!.GetValue<string>());
            }
        }

        Assert.Equal(held, lateText.ToString());
        release();
        var (rest, final) = await RestAsync(late);
        Assert.Equal("succeeded", final["status"]!.GetValue<string>());
        Assert.Equal(string.Concat(pieces), lateText + rest);
        Assert.Equal(string.Concat(pieces), await RecordedAnswerAsync(a, id));
    }

    [Fact]
    public async Task A_listener_after_the_task_ended_gets_the_recorded_answer_then_the_final_status()
    {
        var (message, pieces, release) = env.Hold();
        release();
        using var a = env.Gateways[0].Client(env.Key);
        var id = await SubmitAsync(a, message);
        var task = await a.GetFromJsonAsync<JsonElement>(new Uri($"/v1/tasks/{id:D}?wait=60s", UriKind.Relative));
        Assert.Equal("succeeded", task.GetProperty("status").GetString());

        using var timeout = new CancellationTokenSource(Patience);
        var events = new List<(string Event, string Data)>();
        await foreach (var e in Events(env.Gateways[1].Client(env.Key), id, timeout.Token))
        {
            events.Add(e);
        }

        Assert.Equal(["delta", "status", "end"], events.Select(e => e.Event));
        Assert.Equal(string.Concat(pieces), JsonNode.Parse(events[0].Data)!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Submit_with_stream_prints_the_answer_as_it_comes_and_exits_like_wait()
    {
        var (message, pieces, release) = env.Hold();
        using var output = new StreamedWriter();
        using var error = new StringWriter();
        string[] args = ["submit", StreamingGatewayEnvironment.ChatAgent, message, "--stream",
            "--gateway-url", env.Gateways[1].BaseAddress!.ToString(), "--api-key", env.Key, "-n", env.Namespace];
        var run = MetaEvolveCommand.RunAsync(args, output, error, TestContext.Current.CancellationToken);

        // The CLI has printed the text before the held piece while the task still runs.
        var held = string.Concat(pieces[..^1]);
        await output.WaitForAsync(held, run);
        Assert.False(run.IsCompleted);
        release();

        Assert.True(await run == 0, error.ToString());
        Assert.Equal(string.Concat(pieces) + Environment.NewLine, output.ToString());
    }

    private async Task<Guid> SubmitAsync(HttpClient client, string message)
    {
        using var submitted = await client.PostAsync(new Uri(env.SubmitPath(StreamingGatewayEnvironment.ChatAgent), UriKind.Relative), JsonContent.Create(new { message }));
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        return (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<string> RecordedAnswerAsync(HttpClient client, Guid id)
    {
        var task = await client.GetFromJsonAsync<JsonElement>(new Uri($"/v1/tasks/{id:D}?wait=60s", UriKind.Relative));
        return task.GetProperty("output").GetProperty("answer").GetString()!;
    }

    /// <summary>The text of the deltas up to the final status, and that status; the events must end after it.</summary>
    private static async Task<(string Text, JsonNode Final)> RestAsync(IAsyncEnumerator<(string Event, string Data)> events)
    {
        var text = new StringBuilder();
        JsonNode? status = null;
        while (await events.MoveNextAsync())
        {
            var (name, data) = events.Current;
            switch (name)
            {
                case "delta":
                    Assert.Null(status);
                    text.Append(JsonNode.Parse(data)!["text"]!.GetValue<string>());
                    break;
                case "status":
                    status = JsonNode.Parse(data);
                    break;
                case "end":
                    Assert.NotNull(status);
                    Assert.False(await events.MoveNextAsync());
                    return (text.ToString(), status);
                default:
                    Assert.Fail($"unexpected event {name}: {data}");
                    break;
            }
        }

        throw new InvalidOperationException($"the events ended without 'end' after '{text}'");
    }

    private static async IAsyncEnumerable<(string Event, string Data)> Events(HttpClient client, Guid id, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(new Uri($"/v1/tasks/{id:D}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? name = null;
        string? data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null && data is not null)
                {
                    yield return (name, data);
                }

                (name, data) = (null, null);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }
    }

    /// <summary>A writer whose text a test can wait for while the command still runs.</summary>
    private sealed class StreamedWriter : StringWriter
    {
        private readonly SemaphoreSlim _written = new(0);

        public override void Write(char value)
        {
            base.Write(value);
            _written.Release();
        }

        public override void Write(string? value)
        {
            base.Write(value);
            _written.Release();
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public async Task WaitForAsync(string text, Task running)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (!ToString().Contains(text, StringComparison.Ordinal))
            {
                Assert.False(running.IsCompleted, $"the command ended having printed '{this}'");
                await _written.WaitAsync(timeout.Token);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _written.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// Two gateways, a worker, and the chat agent <see cref="ChatAgent"/> on a scripted model that streams; each message
/// <see cref="Hold"/> hands out is answered with its own pieces, the last held until the test releases it.
/// </summary>
public sealed class StreamingGatewayEnvironment : GatewayEnvironment
{
    public const string ChatAgent = "streamer";

    private readonly ConcurrentDictionary<string, (string[] Pieces, TaskCompletionSource Gate)> _held = new();
    private ScriptedModelServer _model = null!;
    private int _messages;

    protected override bool WithWorker => true;

    public override async ValueTask InitializeAsync()
    {
        _model = new ScriptedModelServer(request =>
        {
            var message = ChatRequest.Text(ChatRequest.LastMessage(request));
            return _held.TryGetValue(message, out var held)
                ? ScriptedReply.Streamed(held.Pieces, held.Gate.Task, promptTokens: 12, completionTokens: held.Pieces.Length)
                : ScriptedReply.Text("unscripted: " + message);
        });
        await base.InitializeAsync();
        var spec = new JsonObject
        {
            ["poolRef"] = new JsonObject { ["name"] = Pool },
            ["instructions"] = "Answer briefly.",
            ["model"] = new JsonObject { ["provider"] = "OpenAICompatible", ["model"] = "scripted-1", ["endpoint"] = _model.Endpoint },
        };
        await Agents.UpsertAsync(Namespace, ChatAgent, Pool, "d-stream", spec.ToJsonString(), "[]", CancellationToken.None);
    }

    /// <summary>A new message, the pieces its answer streams in, and the release of its last piece.</summary>
    public (string Message, string[] Pieces, Action Release) Hold()
    {
        var n = Interlocked.Increment(ref _messages);
        var message = $"message {n}";
        string[] pieces = [$"Answer {n}:", " streams", " through", " NATS", " to", " any", " gateway", " — ünïcödé", " done."];
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held[message] = (pieces, gate);
        return (message, pieces, () => gate.TrySetResult());
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var (_, held) in _held)
        {
            held.Gate.TrySetResult();
        }

        await base.DisposeAsync();
        await _model.DisposeAsync();
    }
}
