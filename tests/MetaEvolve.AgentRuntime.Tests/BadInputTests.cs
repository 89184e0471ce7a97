using System.Text;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using NATS.Client.JetStream;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>Every kind of bad input ends in a recorded failure (or a publisher error) that says why; the worker keeps going.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class BadInputTests(PipelineEnvironment env) : IClassFixture<PipelineEnvironment>, IAsyncLifetime
{
    private ChildProcess _worker = null!;

    public async ValueTask InitializeAsync()
    {
        _worker = await env.SharedWorkerAsync();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Task PublishRawAsync(string body, string? msgId = null, string? agent = null) =>
        env.JetStream.PublishAsync(env.Names.Task(env.Namespace, PipelineEnvironment.Pool, agent ?? PipelineEnvironment.Agent),
            Encoding.UTF8.GetBytes(body), opts: msgId is null ? null : new NatsJSPubOpts { MsgId = msgId }).AsTask();

    [Fact]
    public async Task Unparseable_message_with_a_task_id_is_recorded_as_failed_with_the_reason()
    {
        var id = TaskIds.NewId();
        await PublishRawAsync("this is not json", msgId: id.ToString("D"));
        var record = await env.WaitForFinalAsync(id);
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.Contains("invalid task: not a task envelope", record.Error, StringComparison.Ordinal);
        Assert.Contains("this is not json", record.InputJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poison_message_without_any_id_still_leaves_a_failed_record()
    {
        var marker = "poison-" + Guid.NewGuid().ToString("N");
        await PublishRawAsync("{\"garbage\": \"" + marker + "\"");
        await PipelineEnvironment.WaitUntilAsync(
            async () => await env.CountAsync($"status = 'failed' AND input->>'raw' LIKE '%{marker}%' AND error LIKE 'invalid task:%'") == 1,
            TimeSpan.FromSeconds(30), () => "no failed record for the poison message");
    }

    [Fact]
    public async Task Envelope_of_an_unknown_version_is_refused_with_the_version()
    {
        var envelope = env.Call("echo") with { Version = 2 };
        await PublishRawAsync(Encoding.UTF8.GetString(TaskEnvelopeCodec.Encode(envelope)), msgId: envelope.Id.ToString("D"));
        var record = await env.WaitForFinalAsync(envelope.Id);
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.Contains("unsupported envelope version 2", record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Task_for_an_unknown_agent_fails_naming_the_agent()
    {
        var envelope = env.Call("echo", agent: "ghost");
        await env.Publisher.PublishAsync(envelope);
        var record = await env.WaitForFinalAsync(envelope.Id);
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.Equal($"unknown agent 'ghost' in namespace '{env.Namespace}'", record.Error);
    }

    [Fact]
    public async Task Task_past_its_deadline_fails_without_running()
    {
        var envelope = env.Call("echo", deadline: DateTimeOffset.UtcNow.AddSeconds(-1));
        await env.Publisher.PublishAsync(envelope);
        var record = await env.WaitForFinalAsync(envelope.Id);
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.Contains("passed before the task started", record.Error, StringComparison.Ordinal);
        Assert.Null(record.OutputJson);
    }

    [Fact]
    public async Task Task_whose_deadline_passes_while_running_fails_with_a_timeout()
    {
        var envelope = env.Call("sleep", """{"ms": 60000}""", deadline: DateTimeOffset.UtcNow.AddSeconds(2));
        await env.Publisher.PublishAsync(envelope);
        var record = await env.WaitForFinalAsync(envelope.Id);
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.StartsWith("timeout: the task's deadline", record.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Transient_failure_beyond_max_deliver_is_dead_lettered_with_the_last_error()
    {
        var envelope = env.Call("fail", """{"message": "backend unavailable", "transient": true}""");
        await env.Publisher.PublishAsync(envelope);
        var record = await env.WaitForFinalAsync(envelope.Id);
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.True(record.DeadLettered);
        Assert.Equal(3, record.Attempts);
        Assert.Equal("dead-lettered after 3 attempts; last error: backend unavailable", record.Error);
    }

    [Fact]
    public async Task Permanent_failure_is_recorded_at_once()
    {
        var envelope = env.Call("fail", """{"message": "bad request"}""");
        await env.Publisher.PublishAsync(envelope);
        var record = await env.WaitForFinalAsync(envelope.Id);
        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.False(record.DeadLettered);
        Assert.Equal(1, record.Attempts);
        Assert.Equal("bad request", record.Error);
    }

    [Fact]
    public async Task Transient_failure_is_retried_until_it_succeeds()
    {
        var envelope = env.Call("fail", """{"message": "flaky", "transient": true, "untilAttempt": 2}""");
        await env.Publisher.PublishAsync(envelope);
        var record = await env.WaitForFinalAsync(envelope.Id);
        Assert.Equal(TaskStates.Succeeded, record.Status);
        Assert.Equal(2, record.Attempts);
        Assert.Equal("""{"succeededOnAttempt": 2}""", record.OutputJson);
    }

    [Fact]
    public async Task Dead_lettered_task_can_be_requeued_and_runs_again()
    {
        var envelope = env.Call("fail", """{"message": "still down", "transient": true}""");
        await env.Publisher.PublishAsync(envelope);
        var first = await env.WaitForFinalAsync(envelope.Id);
        Assert.True(first.DeadLettered);
        var control = new TaskControl(env.Tasks, env.Publisher, new TaskOutbox(env.DataSource, env.Schema), env.Nats, env.Names);
        Assert.True(await control.RequeueAsync(envelope.Id));
        await PipelineEnvironment.WaitUntilAsync(async () => (await env.Tasks.GetAsync(envelope.Id))!.FinishedAt > first.FinishedAt,
            TimeSpan.FromSeconds(30), () => "requeued task did not run again");
        var second = await env.Tasks.GetAsync(envelope.Id);
        Assert.True(second!.DeadLettered);
        Assert.Equal(3, second.Attempts);
    }

    [Fact]
    public async Task Full_stream_is_a_queue_full_error_at_the_publisher()
    {
        var names = new NatsNames(env.Names.Root + "-full");
        await PipelineEnvironment.Topology(env.JetStream, names, new TaskStreamOptions { MaxMessages = 2 }).EnsureStreamAsync();
        var publisher = new TaskPublisher(env.JetStream, names);
        try
        {
            var envelope = env.Call("echo");
            await publisher.PublishAsync(envelope with { Id = TaskIds.NewId() });
            await publisher.PublishAsync(envelope with { Id = TaskIds.NewId() });
            var ex = await Assert.ThrowsAsync<QueueFullException>(() => publisher.PublishAsync(envelope with { Id = TaskIds.NewId() }));
            Assert.Contains("task queue full", ex.Message, StringComparison.Ordinal);
            Assert.Contains("maximum messages", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await env.JetStream.DeleteStreamAsync(names.TaskStream);
        }
    }

    [Fact]
    public async Task Worker_reports_ready_and_exposes_metrics()
    {
        Assert.Equal("ok", await _worker.GetStringAsync("/healthz"));
        Assert.StartsWith("nats=open consumer=bound store=ok", await _worker.GetStringAsync("/readyz"), StringComparison.Ordinal);
        var envelope = env.Call("echo", """{"x": 1}""");
        await env.Publisher.PublishAsync(envelope);
        await env.WaitForFinalAsync(envelope.Id);
        var metrics = await _worker.GetStringAsync("/metrics");
        Assert.Contains("metaevolve_tasks_total{pool=\"p\",agent=\"agent-a\",outcome=\"succeeded\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("metaevolve_task_duration_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("metaevolve_tasks_in_flight", metrics, StringComparison.Ordinal);
    }
}
