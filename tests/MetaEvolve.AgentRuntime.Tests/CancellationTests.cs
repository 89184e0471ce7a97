using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>Cancellation is a store record the worker honours: a queued task is skipped, a running one has its token cancelled.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class CancellationTests(PipelineEnvironment env) : IClassFixture<PipelineEnvironment>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await env.SharedWorkerAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Queued_task_that_is_cancelled_is_skipped()
    {
        // The gateway's path: record the task as queued, then publish. Cancel lands in between.
        var envelope = env.Call("sleep", """{"ms": 1}""");
        await env.Tasks.EnqueueAsync(envelope);
        var control = new TaskControl(env.Tasks, env.Publisher, new TaskOutbox(env.DataSource, env.Schema), env.Nats, env.Names);
        Assert.Equal(TaskStates.Cancelled, await control.CancelAsync(envelope.Id));
        await env.Publisher.PublishAsync(envelope);

        // The worker acks it without running: the stream's pending count for the consumer drops to zero.
        await PipelineEnvironment.WaitUntilAsync(async () =>
        {
            var consumer = await env.JetStream.GetConsumerAsync(env.Stream, env.Consumer);
            return consumer.Info.NumPending == 0 && consumer.Info.NumAckPending == 0 && consumer.Info.Delivered.StreamSeq > 0;
        }, TimeSpan.FromSeconds(20), () => "the cancelled task was not consumed");
        var record = await env.Tasks.GetAsync(envelope.Id);
        Assert.Equal(TaskStates.Cancelled, record!.Status);
        Assert.Null(record.StartedAt);
        Assert.Equal(0, record.Attempts);
        Assert.Equal("cancelled before it started", record.Error);
    }

    [Fact]
    public async Task Running_sleep_task_that_is_cancelled_stops_and_is_recorded_cancelled()
    {
        var envelope = env.Call("sleep", """{"ms": 120000}""");
        await env.Publisher.PublishAsync(envelope);
        await PipelineEnvironment.WaitUntilAsync(async () => (await env.Tasks.GetAsync(envelope.Id))?.Status == TaskStates.Running,
            TimeSpan.FromSeconds(20), () => "the task never started");

        var control = new TaskControl(env.Tasks, env.Publisher, new TaskOutbox(env.DataSource, env.Schema), env.Nats, env.Names);
        Assert.Equal(TaskStates.Running, await control.CancelAsync(envelope.Id));

        var record = await env.WaitForFinalAsync(envelope.Id, TimeSpan.FromSeconds(10));
        Assert.Equal(TaskStates.Cancelled, record.Status);
        Assert.Equal("cancelled while running", record.Error);
        Assert.True(record.FinishedAt - record.StartedAt < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Redelivered_task_whose_result_is_recorded_is_acked_without_running_again()
    {
        var envelope = env.Call("echo", """{"n": 1}""");
        await env.Publisher.PublishAsync(envelope);
        var first = await env.WaitForFinalAsync(envelope.Id);

        // The same task again under a new message id (past the duplicate window, or a publisher retry).
        await env.Publisher.PublishAsync(envelope, messageId: envelope.Id + ".again");
        await PipelineEnvironment.WaitUntilAsync(async () =>
        {
            var consumer = await env.JetStream.GetConsumerAsync(env.Stream, env.Consumer);
            return consumer.Info.NumPending == 0 && consumer.Info.NumAckPending == 0;
        }, TimeSpan.FromSeconds(20), () => "the second copy was not consumed");
        var second = await env.Tasks.GetAsync(envelope.Id);
        Assert.Equal(1, second!.Attempts);
        Assert.Equal(first.FinishedAt, second.FinishedAt);
        Assert.Equal(TaskStates.Succeeded, second.Status);
    }
}
