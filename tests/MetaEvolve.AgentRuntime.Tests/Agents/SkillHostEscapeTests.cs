using System.Globalization;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// Skills that escape the compile-time policy, run through a real worker (NATS, PostgreSQL, Redis): each task
/// ends failed with the limit named, while tasks beside them on the same worker succeed at the first attempt and
/// the worker process lives on.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class SkillHostEscapeTests : IAsyncLifetime
{
    private readonly AgentEnvironment _env = new();

    public ValueTask InitializeAsync() => _env.InitializeAsync();

    public ValueTask DisposeAsync() => _env.DisposeAsync();

    private static string Run(string body, string members = "") =>
        $"using System.Text.RegularExpressions;\npublic sealed class S\n{{\n{members}\n    [KernelFunction]\n    public string Run()\n    {{\n        {body}\n    }}\n}}";

    /// <summary>(agent and skill name, source, what the task's error must say).</summary>
    public static readonly (string Name, string Source, string Evidence)[] Escapes =
    [
        ("tuple-hang", Run("object x = 0; for (int i = 0; i < 64; i++) x = Tuple.Create(x, x); return x.GetHashCode().ToString();"), "skill call stopped: timeout"),
        ("tuple-overflow", Run("object x = 0; for (int i = 0; i < 100_000; i++) x = Tuple.Create(x, 0); return x.GetHashCode().ToString();"), "skill call stopped: crashed"),
        ("regex-group", Run("Func<string, string, RegexOptions, TimeSpan, bool> m = Regex.IsMatch; return m(new string('a', 40) + \"!\", \"^(a+)+$\", RegexOptions.None, Regex.InfiniteMatchTimeout).ToString();"), "SBX004"),
        ("guard-shadow", "public static class MetaEvolve { public static class Core { public static class Skills { public static class Sandbox { public static class SkillGuard { public static object? Enter() => null; public static void Exit(object? o) { } public static void Check() { } } } } } }\n" + Run("while (true) { }"), "SBX006"),
        ("field-bomb", Run("return _b.Length.ToString();", "    private readonly long[] _b = Enumerable.Repeat(0L, 300_000_000).ToArray();"), "out of memory"),
        ("static-array", Run("Seen[0] = \"x\"; return Seen[0];", "    private static readonly string[] Seen = new string[16];"), "SBX005"),
        ("infinite-loop", Run("while (true) { }"), "time limit of 15000 ms exceeded"),
        ("deep-recursion", Run("return Deep(1).ToString();", "    private static int Deep(int n) => Deep(n + 1) + 1;"), "recursion too deep"),
        ("allocation-bomb", Run("var l = new List<byte[]>(); while (true) { l.Add(new byte[1 << 20]); }"), "skill call stopped: allocated"),
        ("huge-array", Run("return new long[int.MaxValue].Length.ToString();"), "exceeds the limit"),
    ];

    private static JsonObject DirectAgent(params string[] skills) => new()
    {
        ["poolRef"] = new JsonObject { ["name"] = PipelineEnvironment.Pool },
        ["skills"] = AgentEnvironment.SkillRefs(skills),
    };

    [Fact]
    public async Task Escaping_skills_fail_with_the_limit_named_while_50_echo_tasks_beside_them_succeed_first_time()
    {
        foreach (var (name, source, _) in Escapes)
        {
            await _env.PublishSkillAsync(name, AgentEnvironment.CalcSkill("1.0.0", source));
            await _env.SetAgentAsync(name, DirectAgent(name));
        }

        var worker = _env.StartWorker(concurrency: 64, extra: new Dictionary<string, string> { ["Agents__SkillTimeout"] = "00:00:15" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var pid = worker.Id;

        var escapes = Escapes.Select(e => (e.Name, e.Evidence, Task: _env.Call(e.Name, "Run", "{}", agent: e.Name))).ToList();
        var echoes = Enumerable.Range(0, 50).Select(i => _env.Pipeline.Call("echo", $$"""{"message": "m{{i}}"}""")).ToList();
        foreach (var task in escapes.Select(e => e.Task).Concat(echoes))
        {
            await _env.Pipeline.Publisher.PublishAsync(task);
        }

        foreach (var (name, evidence, task) in escapes)
        {
            var record = await _env.Pipeline.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(120));
            Assert.True(record.Status == TaskStates.Failed && (record.Error ?? "").Contains(evidence, StringComparison.Ordinal),
                $"{name}: {record.Status}, expected an error naming '{evidence}', got: {record.Error}");
        }

        foreach (var echo in echoes)
        {
            var record = await _env.Pipeline.WaitForFinalAsync(echo.Id, TimeSpan.FromSeconds(60));
            Assert.True(record.Status == TaskStates.Succeeded && record.Attempts == 1, $"echo {echo.Id}: {record.Status} after {record.Attempts} attempts: {record.Error}");
        }

        Assert.False(worker.HasExited, worker.Output);
        Assert.Equal(pid, worker.Id);
        Assert.Equal("ok", await worker.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task A_skill_host_killed_from_outside_mid_call_costs_that_call_and_not_the_worker()
    {
        await _env.PublishSkillAsync("spinner", AgentEnvironment.CalcSkill("1.0.0", Run("var i = 0L; while (true) { i++; }")));
        await _env.PublishSkillAsync("calc", AgentEnvironment.CalcSkill());
        await _env.SetAgentAsync(PipelineEnvironment.Agent, DirectAgent("spinner", "calc"));
        var worker = _env.StartWorker(extra: new Dictionary<string, string> { ["Agents__SkillTimeout"] = "00:00:30", ["SkillHost__SpareHost"] = "false" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        // Loads the agent (a host per skill describes it) first, so the one host burning CPU later is the call's.
        Assert.Equal(TaskStates.Succeeded, (await _env.RunAsync(_env.Call("calc", "Add", """{"a": 1, "b": 1}"""))).Status);

        var spin = _env.Call("spinner", "Run", "{}");
        await _env.Pipeline.Publisher.PublishAsync(spin);
        var host = await BusySkillHostAsync(worker.Id);
        System.Diagnostics.Process.GetProcessById(host).Kill();
        var killed = await _env.Pipeline.WaitForFinalAsync(spin.Id, TimeSpan.FromSeconds(30));
        var after = await _env.RunAsync(_env.Call("calc", "Add", """{"a": 2, "b": 3}"""));

        Assert.Equal(TaskStates.Failed, killed.Status);
        Assert.Contains("skill call stopped: crashed", killed.Error, StringComparison.Ordinal);
        Assert.True(after.Status == TaskStates.Succeeded, after.Error);
        Assert.Equal("5", (string?)AgentEnvironment.Output(after)["result"]);
        Assert.False(worker.HasExited, worker.Output);
    }

    [Fact]
    public async Task The_worker_is_not_dumpable_and_hosts_get_none_of_its_environment()
    {
        await _env.PublishSkillAsync("spinner", AgentEnvironment.CalcSkill("1.0.0", Run("var i = 0L; while (true) { i++; }")));
        await _env.SetAgentAsync(PipelineEnvironment.Agent, DirectAgent("spinner"));
        var worker = _env.StartWorker(extra: new Dictionary<string, string> { ["Agents__SkillTimeout"] = "00:00:30", ["SkillHost__SpareHost"] = "false" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var spin = _env.Call("spinner", "Run", "{}");
        await _env.Pipeline.Publisher.PublishAsync(spin);
        var host = await BusySkillHostAsync(worker.Id);
        var hostEnvironment = await File.ReadAllTextAsync($"/proc/{host}/environ");
        System.Diagnostics.Process.GetProcessById(host).Kill();
        await _env.Pipeline.WaitForFinalAsync(spin.Id, TimeSpan.FromSeconds(30));

        // The worker's connection strings and model key are in its environment; none reaches the host.
        Assert.DoesNotContain("METAEVOLVE", hostEnvironment, StringComparison.Ordinal);
        Assert.DoesNotContain(AgentEnvironment.ApiKey, hostEnvironment, StringComparison.Ordinal);
        Assert.Contains("DOTNET_GCHeapHardLimit=", hostEnvironment, StringComparison.Ordinal);
        // Dumpability is not visible from outside to a root test; the worker reports what prctl said.
        Assert.Contains("\"NonDumpable\":true", worker.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The pid of the worker's skill host that is using CPU, in a worker without a spare host (SkillHost__SpareHost
    /// false): hosts start only for calls, an idle host uses none, so the one that keeps using CPU runs the call.
    /// </summary>
    private static async Task<int> BusySkillHostAsync(int workerPid)
    {
        var streaks = new Dictionary<int, int>();
        var before = await SkillHostCpuAsync(workerPid);
        for (var i = 0; i < 300; i++)
        {
            await Task.Delay(300);
            var after = await SkillHostCpuAsync(workerPid);
            foreach (var (pid, ticks) in after)
            {
                var busy = before.TryGetValue(pid, out var earlier) && ticks > earlier;
                streaks[pid] = busy ? streaks.GetValueOrDefault(pid) + 1 : 0;
                if (streaks[pid] >= 3)
                {
                    return pid;
                }
            }

            before = after;
        }

        throw new TimeoutException("no skill host of the worker got busy");
    }

    /// <summary>CPU time (user + system, in clock ticks) of each skill host child of the worker.</summary>
    private static async Task<Dictionary<int, long>> SkillHostCpuAsync(int workerPid)
    {
        var hosts = new Dictionary<int, long>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = await File.ReadAllTextAsync(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[1] != workerPid.ToString(CultureInfo.InvariantCulture)
                    || !(await File.ReadAllTextAsync(Path.Combine(directory, "cmdline"))).Contains("MetaEvolve.SkillHost", StringComparison.Ordinal))
                {
                    continue;
                }

                hosts[pid] = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
        }

        return hosts;
    }
}
