using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;

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
        await worker.WaitReadyAsync(TimeSpan.FromSeconds(30));
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

        Assert.InRange(mostHeld, 1, concurrency);
        foreach (var task in tasks)
        {
            var record = await _env.WaitForFinalAsync(task.Id);
            Assert.True(record.Status == TaskStates.Succeeded && record.Attempts == 1, $"{task.Id}: {record.Status} after {record.Attempts} attempts: {record.Error}");
        }
    }
}
