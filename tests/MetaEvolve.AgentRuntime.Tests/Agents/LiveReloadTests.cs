using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>Workers swap skill and agent versions from the config bucket without restarting.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class LiveReloadTests : IAsyncLifetime
{
    private const string Probe = "version-probe";
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        // Ask for the probe tool, then answer with what it returned; both steps take a while, so tasks overlap a reload.
        _model = new ScriptedModelServer(request => (string?)LastMessage(request)["role"] == "tool"
            ? ScriptedReply.Text("ran " + Text(LastMessage(request)), delay: TimeSpan.FromMilliseconds(150))
            : ScriptedReply.ToolCalls(TimeSpan.FromMilliseconds(50), ("version_probe-Version", "{}")));
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    public static JsonObject ProbeSkill(string version) => AgentEnvironment.CalcSkill(version, $$"""
        using Microsoft.SemanticKernel;

        public sealed class Probe
        {
            [KernelFunction]
            public string Version() => "{{version}}";
        }
        """);

    [Fact]
    public async Task Skill_edit_while_200_tasks_run_reaches_later_tasks_and_running_ones_finish_on_the_old_version()
    {
        var v1 = await _env.PublishSkillAsync(Probe, ProbeSkill("v1"));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Probe.", AgentEnvironment.SkillRefs(Probe)));
        var worker = _env.StartWorker(concurrency: 16);
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        await using var applied = await AppliedWatcher.StartAsync(_env.Pipeline.Nats, _env.Pipeline.Names, _env.Namespace);

        var tasks = Enumerable.Range(0, 200).Select(i => _env.Chat($"probe {i}")).ToList();
        foreach (var task in tasks)
        {
            await _env.Pipeline.Publisher.PublishAsync(task);
        }

        await PipelineEnvironment.WaitUntilAsync(async () => await _env.Pipeline.CountAsync("status = 'succeeded'") >= 60, TimeSpan.FromSeconds(180), () => "60 tasks did not finish");
        var v2 = await _env.PublishSkillAsync(Probe, ProbeSkill("v2"));
        var appliedAt = (await applied.WaitAsync(n => AppliedWatcher.HasSkill(n, Probe, v2), timeout: TimeSpan.FromSeconds(90)))[0].ReceivedAt;

        var records = new List<TaskRecord>();
        foreach (var task in tasks)
        {
            records.Add(await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(180)));
        }

        Assert.All(records, r => Assert.True(r.Status == TaskStates.Succeeded, $"{r.Id}: {r.Status} {r.Error}"));
        var runs = records.Select(r => (Record: r, Output: AgentEnvironment.Output(r))).Select(x => (
            x.Record,
            Answer: (string?)x.Output["answer"],
            Digest: (string?)x.Output["skills"]![Probe])).ToList();
        // Every task ran one version from start to end: the tool result matches the snapshot it leased.
        Assert.All(runs, r => Assert.Equal(r.Digest == v1 ? "ran v1" : r.Digest == v2 ? "ran v2" : "unknown digest", r.Answer));
        // Tasks started after the worker swapped versions use the new one...
        var later = runs.Where(r => r.Record.StartedAt > appliedAt).ToList();
        Assert.NotEmpty(later);
        Assert.All(later, r => Assert.Equal("ran v2", r.Answer));
        // ...while tasks that were running at the swap finished on the old one.
        Assert.Contains(runs, r => r.Answer == "ran v1" && r.Record.FinishedAt > appliedAt);
        Assert.Contains(runs, r => r.Answer == "ran v1" && r.Record.StartedAt < appliedAt);
        Assert.Contains("Unloaded skill", await WaitForLogAsync(worker, "Unloaded skill"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pinned_agent_stays_on_its_version_and_a_new_worker_starts_from_the_current_state()
    {
        await _env.PublishSkillAsync(Probe, ProbeSkill("v1"));
        await _env.PublishSkillAsync(Probe, ProbeSkill("v2"));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, "Probe.", AgentEnvironment.SkillRefs(Probe)));
        var pinnedSpec = AgentEnvironment.AgentSpec(_model, "Probe.", [new JsonObject { ["name"] = Probe, ["version"] = "v1" }]);
        await _env.SetAgentAsync("agent-pinned", pinnedSpec);

        var first = _env.StartWorker();
        await first.WaitReadyAsync(ServiceStartup.Limit);
        await using var applied = await AppliedWatcher.StartAsync(_env.Pipeline.Nats, _env.Pipeline.Names, _env.Namespace);
        Assert.Equal("v2", await VersionAsync(PipelineEnvironment.Agent));
        Assert.Equal("v1", await VersionAsync("agent-pinned"));

        var v3 = await _env.PublishSkillAsync(Probe, ProbeSkill("v3"));
        await applied.WaitAsync(n => AppliedWatcher.HasSkill(n, Probe, v3));
        Assert.Equal("v3", await VersionAsync(PipelineEnvironment.Agent));
        Assert.Equal("v1", await VersionAsync("agent-pinned"));
        await first.TerminateAsync(TimeSpan.FromSeconds(20));

        var second = _env.StartWorker();
        await second.WaitReadyAsync(ServiceStartup.Limit);
        Assert.Equal("v3", await VersionAsync(PipelineEnvironment.Agent));
        Assert.Equal("v1", await VersionAsync("agent-pinned"));
    }

    private async Task<string?> VersionAsync(string agent)
    {
        var record = await _env.RunAsync(_env.Call(Probe, "Version", "{}", agent));
        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        return (string?)AgentEnvironment.Output(record)["result"];
    }

    private static async Task<string> WaitForLogAsync(ChildProcess worker, string text)
    {
        await PipelineEnvironment.WaitUntilAsync(() => Task.FromResult(worker.Output.Contains(text, StringComparison.Ordinal)), TimeSpan.FromSeconds(30), () => $"no '{text}' in the worker log");
        return worker.Output;
    }
}
