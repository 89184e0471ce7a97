using System.Diagnostics;
using System.Globalization;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// A thread's turn is appended after the model has answered, so Redis being away for a moment (a restart) must not
/// fail the task: a retry would run the model a second time for one task. The worker waits for Redis instead.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ThreadMemoryOutageTests : IAsyncLifetime
{
    private const string Message = "remember this";
    private readonly AgentEnvironment _env = new();
    private readonly int _redisPort = ChildProcess.FreeLoopbackPort();
    private ScriptedModelServer _model = null!;
    private Process? _redis;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        // Slow enough that Redis can be stopped while the model is thinking.
        _model = new ScriptedModelServer(_ => ScriptedReply.Text("noted", delay: TimeSpan.FromSeconds(2)));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Remember things."));
    }

    public async ValueTask DisposeAsync()
    {
        StopRedis();
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    [Fact]
    public async Task Redis_restarting_while_the_model_answers_does_not_run_the_model_again()
    {
        StartRedis();
        var worker = _env.StartWorker(extra: new Dictionary<string, string> { ["METAEVOLVE_REDIS"] = $"127.0.0.1:{_redisPort}" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var task = _env.Chat(Message, thread: "t1");
        await _env.Pipeline.Publisher.PublishAsync(task);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!_model.Requests.Any(r => Text(LastMessage(r)) == Message) && DateTime.UtcNow < until)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        // The model is answering; Redis goes away and comes back only after the answer has arrived, and later than the
        // client's own 5 s command timeout (StackExchange.Redis holds commands that long while it reconnects).
        StopRedis();
        await Task.Delay(TimeSpan.FromSeconds(8), TestContext.Current.CancellationToken);
        StartRedis();

        var record = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));
        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        Assert.Equal(1, record.Attempts);
        Assert.Single(_model.Requests, r => Text(LastMessage(r)) == Message);
    }

    private void StartRedis() =>
        _redis = Process.Start(new ProcessStartInfo("redis-server", ["--bind", "127.0.0.1", "--port", _redisPort.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start");

    private void StopRedis()
    {
        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            _redis.WaitForExit();
        }
        _redis?.Dispose();
        _redis = null;
    }
}
