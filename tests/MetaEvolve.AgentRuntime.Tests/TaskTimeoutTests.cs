using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>The pool's spec.task.timeoutSeconds (Worker__TaskTimeout) stops a task that runs too long and frees its slot.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class TaskTimeoutTests : IAsyncLifetime
{
    private readonly PipelineEnvironment _env = new();

    public ValueTask InitializeAsync() => _env.InitializeAsync();

    public ValueTask DisposeAsync() => _env.DisposeAsync();

    [Fact]
    public async Task A_task_past_the_pools_limit_fails_with_timeout_even_when_its_own_deadline_is_later_and_its_slot_is_freed()
    {
        var worker = _env.StartWorker(concurrency: 1, extra: new Dictionary<string, string> { ["Worker__TaskTimeout"] = "00:00:01" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var slow = _env.Call("sleep", """{"ms": 60000}""", deadline: DateTimeOffset.UtcNow.AddSeconds(60));
        var next = _env.Call("echo", """{"message": "after"}""");

        await _env.Publisher.PublishAsync(slow);
        await _env.Publisher.PublishAsync(next);
        var stopped = await _env.WaitForFinalAsync(slow.Id, TimeSpan.FromSeconds(30));
        var after = await _env.WaitForFinalAsync(next.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(TaskStates.Failed, stopped.Status);
        Assert.Equal("timeout: the task ran longer than its pool allows (1 s, spec.task.timeoutSeconds)", stopped.Error);
        Assert.Equal(1, stopped.Attempts);
        Assert.True(stopped.FinishedAt - stopped.StartedAt < TimeSpan.FromSeconds(20), $"{stopped.StartedAt} → {stopped.FinishedAt}");
        Assert.Equal(TaskStates.Succeeded, after.Status);
    }
}
