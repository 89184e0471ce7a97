using System.Text.RegularExpressions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>The worker rides out nats-server and PostgreSQL restarts: every task completes, none twice.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed partial class RestartTests : IAsyncLifetime
{
    private PrivateServices? _services;
    private PipelineEnvironment? _env;

    public async ValueTask InitializeAsync()
    {
        _services = await PrivateServices.StartAsync();
        _env = new PipelineEnvironment { Connections = _services.Connections, SkipServiceGate = true };
        await _env.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_env is not null)
        {
            await _env.DisposeAsync();
        }
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
    }

    [Fact]
    public async Task All_1000_tasks_complete_once_through_nats_and_postgres_restarts()
    {
        var env = _env!;
        await using var worker = env.StartWorker(concurrency: 20, ackWait: TimeSpan.FromSeconds(5));
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var ids = new List<Guid>();
        for (var i = 0; i < 1000; i++)
        {
            var envelope = env.Call("sleep", """{"ms": 100}""");
            ids.Add(envelope.Id);
            await env.Publisher.PublishAsync(envelope);
        }

        await PipelineEnvironment.WaitUntilAsync(async () => await env.CountAsync("status = 'succeeded'") >= 100, TimeSpan.FromSeconds(60), () => "no progress before the NATS restart");
        await _services!.RestartNatsAsync();
        await PipelineEnvironment.WaitUntilAsync(async () => await env.CountAsync("status = 'succeeded'") >= 400, TimeSpan.FromSeconds(60), () => $"no progress after the NATS restart:\n{worker.Output}");
        await _services.RestartPostgresAsync();

        await PipelineEnvironment.WaitUntilAsync(async () => await env.CountAsync("status = 'succeeded'") == 1000,
            TimeSpan.FromSeconds(120), () => $"not all tasks succeeded; worker log:\n{worker.Output}");
        Assert.False(worker.HasExited);
        Assert.Equal(1000, await env.CountAsync("true"));
        Assert.Equal(1000, await env.CountAsync("status = 'succeeded' AND output = '{\"sleptMs\": 100}'::jsonb AND finished_at IS NOT NULL"));

        // One result per task: the worker counted at most 1,000 recorded results (a second recording of any task
        // would push this past 1,000; a commit whose reply was lost in the PostgreSQL restart may leave it below).
        var metrics = await worker.GetStringAsync("/metrics");
        var recorded = double.Parse(SucceededCounter().Match(metrics).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(recorded, 990, 1000);

        await PipelineEnvironment.WaitUntilAsync(async () =>
        {
            var consumer = await env.JetStream.GetConsumerAsync(env.Stream, env.Consumer);
            return consumer.Info.NumPending == 0 && consumer.Info.NumAckPending == 0;
        }, TimeSpan.FromSeconds(30), () => "messages left unacknowledged");
        foreach (var id in ids)
        {
            Assert.Equal(TaskStates.Succeeded, (await env.Tasks.GetAsync(id))!.Status);
        }
    }

    [GeneratedRegex("""metaevolve_tasks_total\{pool="p",agent="agent-a",outcome="succeeded"\} ([0-9.e+]+)""")]
    private static partial Regex SucceededCounter();
}
