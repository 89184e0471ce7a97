using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// One bad value fails one task: U+0000, which PostgreSQL refuses in text and jsonb, in a result or in a task's
/// input ends that task failed with the reason, while the tasks written in the same batches succeed first time.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class PoisonValueTests : IAsyncLifetime
{
    private readonly AgentEnvironment _env = new();

    public ValueTask InitializeAsync() => _env.InitializeAsync();

    public ValueTask DisposeAsync() => _env.DisposeAsync();

    [Fact]
    public async Task A_result_or_an_input_carrying_nul_fails_only_its_own_task_among_200()
    {
        const string source = "public sealed class S\n{\n    [KernelFunction]\n    public string Run() => \"a\" + new string((char)0, 1) + \"b\";\n}";
        await _env.PublishSkillAsync("nul", AgentEnvironment.CalcSkill("1.0.0", source));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, new JsonObject
        {
            ["poolRef"] = new JsonObject { ["name"] = PipelineEnvironment.Pool },
            ["skills"] = AgentEnvironment.SkillRefs("nul"),
        });
        var worker = _env.StartWorker(concurrency: 64);
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        // Loads the agent first, so the poison's result is written in a batch with the echoes' results.
        Assert.Equal(TaskStates.Succeeded, (await _env.RunAsync(_env.Pipeline.Call("echo", """{"message": "warm"}"""))).Status);

        var echoes = Enumerable.Range(0, 200).Select(i => _env.Pipeline.Call("echo", $$"""{"message": "m{{i}}"}""")).ToList();
        var poisonResult = _env.Call("nul", "Run", "{}");
        // A client that skipped the publisher's checks: the same envelope with the escape written into its input.
        var poisonInput = _env.Pipeline.Call("echo", """{"message": "hi"}""");
        var poisonBody = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(TaskEnvelopeCodec.Encode(poisonInput)).Replace("\"hi\"", "\"hi\\u0000\"", StringComparison.Ordinal));
        foreach (var task in echoes.Take(100))
        {
            await _env.Pipeline.Publisher.PublishAsync(task);
        }
        await _env.Pipeline.Publisher.PublishAsync(poisonResult);
        await _env.Pipeline.JetStream.PublishAsync(_env.Pipeline.Names.Task(poisonInput.Namespace, poisonInput.Pool, poisonInput.Agent), poisonBody,
            headers: new NatsHeaders { ["Nats-Msg-Id"] = poisonInput.Id.ToString() }, cancellationToken: TestContext.Current.CancellationToken);
        foreach (var task in echoes.Skip(100))
        {
            await _env.Pipeline.Publisher.PublishAsync(task);
        }

        var result = await _env.Pipeline.WaitForFinalAsync(poisonResult.Id, TimeSpan.FromSeconds(60));
        var input = await _env.Pipeline.WaitForFinalAsync(poisonInput.Id, TimeSpan.FromSeconds(60));
        Assert.Equal(TaskStates.Failed, result.Status);
        Assert.Equal("the result was not recorded: it contains U+0000 (NUL), which PostgreSQL cannot store", result.Error);
        Assert.Equal(TaskStates.Failed, input.Status);
        Assert.Contains("input.call.arguments contains U+0000", input.Error, StringComparison.Ordinal);
        foreach (var echo in echoes)
        {
            var record = await _env.Pipeline.WaitForFinalAsync(echo.Id, TimeSpan.FromSeconds(60));
            Assert.True(record.Status == TaskStates.Succeeded && record.Attempts == 1, $"echo {echo.Id}: {record.Status} after {record.Attempts} attempts: {record.Error}");
        }
    }
}
