using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>SIGTERM: stop pulling, finish what fits in the grace period, hand the rest back to the queue.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ShutdownTests(PipelineEnvironment env) : IClassFixture<PipelineEnvironment>
{
    [Fact]
    public async Task Graceful_stop_finishes_short_tasks_and_returns_long_ones_to_the_queue()
    {
        var grace = new Dictionary<string, string> { ["Worker__ShutdownGrace"] = "00:00:02" };
        var first = env.StartWorker(concurrency: 4, extra: grace);
        await first.WaitReadyAsync(ServiceStartup.Limit);
        var shortTask = env.Call("sleep", """{"ms": 1000}""");
        var longTask = env.Call("sleep", """{"ms": 6000}""");
        await env.Publisher.PublishAsync(shortTask);
        await env.Publisher.PublishAsync(longTask);
        await PipelineEnvironment.WaitUntilAsync(async () => await env.CountAsync("status = 'running'") == 2,
            TimeSpan.FromSeconds(20), () => "both tasks never ran");

        await first.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(first.HasExited);

        var finished = await env.Tasks.GetAsync(shortTask.Id);
        Assert.Equal(TaskStates.Succeeded, finished!.Status);
        var interrupted = await env.Tasks.GetAsync(longTask.Id);
        Assert.Equal(TaskStates.Queued, interrupted!.Status);
        Assert.Equal("interrupted by worker shutdown", interrupted.Error);

        await using var second = env.StartWorker(concurrency: 4);
        var record = await env.WaitForFinalAsync(longTask.Id, TimeSpan.FromSeconds(40));
        Assert.Equal(TaskStates.Succeeded, record.Status);
        Assert.Equal(2, record.Attempts);
        Assert.Null(record.Error);
    }
}
