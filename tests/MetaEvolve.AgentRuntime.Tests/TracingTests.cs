using System.Security.Cryptography;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>The worker continues the submitter's trace: its spans (and the log lines written inside them) carry the envelope's trace id.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class TracingTests(PipelineEnvironment env) : IClassFixture<PipelineEnvironment>
{
    [Fact]
    public async Task Task_runs_in_the_trace_of_its_submitter()
    {
        await using var worker = env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var traceParent = $"00-{traceId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01";
        // A retried task logs its first failure from inside the task's span.
        var envelope = env.Call("fail", """{"message": "flaky", "transient": true, "untilAttempt": 2}""") with { TraceParent = traceParent };
        await env.Publisher.PublishAsync(envelope);

        var record = await env.WaitForFinalAsync(envelope.Id);
        Assert.Equal(TaskStates.Succeeded, record.Status);
        Assert.Equal(traceParent, record.TraceParent);
        var line = Assert.Single(worker.Output.Split('\n'), l => l.Contains(envelope.Id.ToString(), StringComparison.Ordinal) && l.Contains("failed on attempt", StringComparison.Ordinal));
        Assert.Contains($"\"@tr\":\"{traceId}\"", line, StringComparison.Ordinal);
    }
}
