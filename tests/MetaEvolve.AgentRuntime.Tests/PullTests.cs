using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>A worker pulls only what it can start: no message waits in a local buffer, so none ages past its ack wait there.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class PullTests : IAsyncLifetime
{
    private readonly PipelineEnvironment _env = new();

    public ValueTask InitializeAsync() => _env.InitializeAsync();

    public ValueTask DisposeAsync() => _env.DisposeAsync();

    [Fact]
    public async Task A_worker_holds_no_more_messages_than_its_concurrency_and_each_task_runs_once()
    {
        const int concurrency = 4;
        var worker = _env.StartWorker(concurrency: concurrency, ackWait: TimeSpan.FromSeconds(30));
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var tasks = Enumerable.Range(0, 40).Select(_ => _env.Call("sleep", """{"ms": 250}""")).ToList();
        foreach (var task in tasks)
        {
            await _env.Publisher.PublishAsync(task);
        }

        var mostHeld = 0L;
        var cancellation = TestContext.Current.CancellationToken;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var consumer = await _env.JetStream.GetConsumerAsync(_env.Stream, _env.Consumer, cancellation);
            mostHeld = Math.Max(mostHeld, consumer.Info.NumAckPending);
            if (consumer.Info.NumPending == 0 && consumer.Info.NumAckPending == 0)
            {
                break;
            }
            await Task.Delay(20, cancellation);
        }

        // The server's count also holds acks it has received but not yet processed (an ack is not a round trip), so on
        // a busy machine a settled slot can show until its next message arrives: at most one extra per slot. A worker
        // that buffered would show most of the 40.
        Assert.InRange(mostHeld, 1, 2 * concurrency);
        foreach (var task in tasks)
        {
            var record = await _env.WaitForFinalAsync(task.Id);
            Assert.True(record.Status == TaskStates.Succeeded && record.Attempts == 1, $"{task.Id}: {record.Status} after {record.Attempts} attempts: {record.Error}");
        }
    }

    [Fact]
    public async Task A_worker_never_pulls_a_consumer_of_its_name_that_serves_another_pool()
    {
        // What pool b-c of namespace a finds when pool c of namespace a-b took pool-a-b-c first.
        var cancellation = TestContext.Current.CancellationToken;
        var otherFilter = _env.Names.PoolFilter(_env.Namespace + "-x", PipelineEnvironment.Pool);
        await _env.JetStream.CreateOrUpdateConsumerAsync(_env.Stream, new ConsumerConfig(_env.Consumer) { FilterSubject = otherFilter, AckPolicy = ConsumerConfigAckPolicy.Explicit }, cancellation);

        var worker = _env.StartWorker(extra: new Dictionary<string, string> { ["Worker__CreateConsumer"] = "false" });

        await PipelineEnvironment.WaitUntilAsync(
            () => Task.FromResult(worker.Output.Contains("rename the pool", StringComparison.Ordinal)), ServiceStartup.Limit, () => "the worker did not refuse the consumer: " + worker.Output);
        Assert.Contains($"consumer {_env.Consumer} in stream {_env.Stream} serves {otherFilter}", worker.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Consuming ", worker.Output, StringComparison.Ordinal);
    }
}
