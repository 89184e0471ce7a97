using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>Conversation memory lives in Redis: any worker continues a thread, until the agent's TTL lets it go.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ThreadMemoryTests : IAsyncLifetime
{
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        // The answer says how many messages the model was sent, so each reply shows what history arrived.
        _model = new ScriptedModelServer(request => ScriptedReply.Text($"reply to {Text(LastMessage(request))} after {Messages(request).Count - 2} earlier messages"));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Remember things."));
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    private List<string> Conversation(string lastUserMessage) =>
        [.. Messages(_model.Requests.Single(r => Text(LastMessage(r)) == lastUserMessage)).Select(m => $"{(string?)m!["role"]}:{Text(m)}")];

    [Fact]
    public async Task Thread_continued_on_another_worker_sees_its_earlier_turns_until_the_ttl_passes()
    {
        var first = _env.StartWorker();
        await first.WaitReadyAsync(ServiceStartup.Limit);
        var turn1 = await _env.RunAsync(_env.Chat("my name is Ada", thread: "t1"));
        Assert.True(turn1.Status == TaskStates.Succeeded, turn1.Error);
        await first.TerminateAsync(TimeSpan.FromSeconds(20));

        // Only the second worker runs now, so the next turn certainly runs there.
        var second = _env.StartWorker();
        await second.WaitReadyAsync(ServiceStartup.Limit);
        await using var applied = await AppliedWatcher.StartAsync(_env.Pipeline.Nats, _env.Pipeline.Names, _env.Namespace);
        var turn2 = await _env.RunAsync(_env.Chat("what is my name?", thread: "t1"));
        Assert.True(turn2.Status == TaskStates.Succeeded, turn2.Error);
        Assert.Equal(
            ["system:Remember things.", "user:my name is Ada", "assistant:reply to my name is Ada after 0 earlier messages", "user:what is my name?"],
            Conversation("what is my name?"));
        Assert.Equal("reply to what is my name? after 2 earlier messages", (string?)AgentEnvironment.Output(turn2)["answer"]);

        // Another thread is a separate conversation.
        var other = await _env.RunAsync(_env.Chat("who am I?", thread: "t2"));
        Assert.Equal(["system:Remember things.", "user:who am I?"], Conversation("who am I?"));

        // The agent's memory now expires after one second; the worker reloads the agent live.
        var shortLived = AgentEnvironment.AgentSpec(_model, "Remember things.", ttlSeconds: 1);
        await _env.SetAgentAsync(PipelineEnvironment.Agent, shortLived);
        await applied.WaitAsync(n => AppliedWatcher.HasAgentDigest(n, SkillDigest.Compute(shortLived)));
        var turn3 = await _env.RunAsync(_env.Chat("remember 7", thread: "t3"));
        Assert.True(turn3.Status == TaskStates.Succeeded, turn3.Error);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var turn4 = await _env.RunAsync(_env.Chat("what number?", thread: "t3"));
        Assert.Equal(["system:Remember things.", "user:what number?"], Conversation("what number?"));
        Assert.Equal(TaskStates.Succeeded, other.Status);
        Assert.Equal(TaskStates.Succeeded, turn4.Status);
    }

    [Fact]
    public async Task Thread_keeps_only_the_agents_last_turns()
    {
        var spec = AgentEnvironment.AgentSpec(_model, "Remember things.");
        spec["memory"]!["maxTurns"] = 2;
        await _env.SetAgentAsync(PipelineEnvironment.Agent, spec);
        var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        foreach (var message in new[] { "one", "two", "three", "four" })
        {
            var record = await _env.RunAsync(_env.Chat(message, thread: "t"));
            Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        }

        Assert.Equal(
            ["system:Remember things.", "user:two", "assistant:reply to two after 2 earlier messages",
             "user:three", "assistant:reply to three after 4 earlier messages", "user:four"],
            Conversation("four"));
    }

    [Fact]
    public async Task A_task_that_runs_again_after_a_crash_appends_its_turn_once()
    {
        var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var chat = _env.Chat("remember me", thread: "t-once");
        Assert.Equal(TaskStates.Succeeded, (await _env.RunAsync(chat)).Status);

        // The crash window: the turn is appended, then the worker dies before recording. The row is still running,
        // claimed by the message JetStream now delivers again (simulated by the next message in the stream).
        var stream = await _env.Pipeline.JetStream.GetStreamAsync(_env.Pipeline.Names.TaskStream);
        var redelivered = (long)stream.Info.State.LastSeq + 1;
        await using (var reset = _env.Pipeline.DataSource.CreateCommand($"UPDATE {_env.Pipeline.Schema}.tasks SET status = 'running', output = NULL, finished_at = NULL, claimed_by_sequence = $2 WHERE id = $1"))
        {
            reset.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = chat.Id });
            reset.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = redelivered });
            Assert.Equal(1, await reset.ExecuteNonQueryAsync());
        }
        var ack = await _env.Pipeline.JetStream.PublishAsync(_env.Pipeline.Names.Task(chat.Namespace, chat.Pool, chat.Agent), TaskEnvelopeCodec.Encode(chat),
            headers: new NATS.Client.Core.NatsHeaders { ["Nats-Msg-Id"] = $"{chat.Id}-again" });
        Assert.Equal(redelivered, (long)ack.Seq);
        await PipelineEnvironment.WaitUntilAsync(async () => (await _env.Pipeline.Tasks.GetAsync(chat.Id)) is { Status: TaskStates.Succeeded, Attempts: 2 },
            TimeSpan.FromSeconds(30), () => "the redelivered task did not run again");

        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_env.Pipeline.Connections.Redis);
        var turns = await redis.GetDatabase().ListRangeAsync($"{_env.RedisPrefix}:thread:{_env.Namespace}:{PipelineEnvironment.Agent}:t-once");
        Assert.Equal(2, turns.Length); // one user message and one answer
        Assert.Equal(2, _model.Requests.Count); // it did run twice
    }
}
