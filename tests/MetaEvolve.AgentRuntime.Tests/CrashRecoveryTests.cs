using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>A worker killed with SIGKILL mid-work loses nothing and duplicates nothing.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class CrashRecoveryTests(PipelineEnvironment env) : IClassFixture<PipelineEnvironment>
{
    [Fact]
    public async Task Every_task_has_exactly_one_result_after_the_worker_is_killed_with_100_in_flight()
    {
        var first = env.StartWorker(concurrency: 100, ackWait: TimeSpan.FromSeconds(3));
        await first.WaitReadyAsync(ServiceStartup.Limit);
        var ids = new List<Guid>();
        for (var i = 0; i < 100; i++)
        {
            var envelope = env.Call("sleep", """{"ms": 3000}""");
            ids.Add(envelope.Id);
            await env.Publisher.PublishAsync(envelope);
        }
        await PipelineEnvironment.WaitUntilAsync(async () => await env.CountAsync("status = 'running'") == 100,
            TimeSpan.FromSeconds(30), () => "100 tasks never ran at once");

        first.Kill();
        Assert.Equal(0, await env.CountAsync("status <> 'running'"));

        await using var second = env.StartWorker(concurrency: 100, ackWait: TimeSpan.FromSeconds(3));
        await PipelineEnvironment.WaitUntilAsync(async () => await env.CountAsync("status = 'succeeded'") == 100,
            TimeSpan.FromSeconds(60), () => $"only some tasks succeeded; worker log:\n{second.Output}");

        Assert.Equal(100, await env.CountAsync("true"));
        foreach (var id in ids)
        {
            var record = await env.Tasks.GetAsync(id);
            Assert.Equal(TaskStates.Succeeded, record!.Status);
            Assert.Equal("""{"sleptMs": 3000}""", record.OutputJson);
            // Attempt 1 died with the first worker; attempt 2 recorded the one result.
            Assert.Equal(2, record.Attempts);
        }
        // Nothing is left pending or redelivered later. A worker acks after it records, so on a busy machine the server
        // may still be taking the last acks when the last result is in: wait for them, not for a redelivery (ackWait 3 s).
        (ulong Pending, long AckPending) left = default;
        await PipelineEnvironment.WaitUntilAsync(async () =>
        {
            var consumer = await env.JetStream.GetConsumerAsync(env.Stream, env.Consumer);
            left = (consumer.Info.NumPending, consumer.Info.NumAckPending);
            return left == (0UL, 0L);
        }, TimeSpan.FromSeconds(30), () => $"the consumer still has {left.Pending} pending and {left.AckPending} unacknowledged");
        Assert.Equal(100, await env.CountAsync("status = 'succeeded' AND attempts = 2"));
    }
}
