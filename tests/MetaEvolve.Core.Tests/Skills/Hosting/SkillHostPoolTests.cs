using System.Diagnostics;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.Core.Tests.Skills.Hosting;

/// <summary>The real host executable under the pool: each limit holds from outside the skill, and costs one call.</summary>
public sealed class SkillHostPoolTests : IAsyncLifetime
{
    private static readonly SkillLimits Limits = new(TimeSpan.FromSeconds(2), 64L * 1024 * 1024, 1024 * 1024);
    private static readonly Dictionary<string, string?> NoArguments = [];

    private readonly SkillHostPool _pool = new(new SkillHostOptions { MaxOutputBytes = 64 * 1024 });

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    private static SkillAssembly Sandboxed(string source, string digest)
    {
        var compilation = SkillHarness.Compile(source);
        Assert.True(compilation.Succeeded, string.Join(Environment.NewLine, compilation.Diagnostics));
        return new SkillAssembly(digest, "test", compilation.Assembly!);
    }

    private Task<SkillCallOutcome> CallAsync(SkillAssembly assembly, string function = "Run", string tenant = "ns/agent", SkillLimits? limits = null) =>
        _pool.CallAsync(new SkillCallRequest(assembly, function, NoArguments, limits ?? Limits, tenant), Cancellation);

    private static readonly string Echo = "public sealed class S { [KernelFunction] public string Run(string text = \"hi\") => text + \"!\"; }";

    [Fact]
    public async Task Warm_calls_reuse_one_host_and_pass_arguments()
    {
        var assembly = Sandboxed(Echo, "sha256:echo");

        var description = await _pool.DescribeAsync(assembly, Limits, Cancellation);
        var first = await _pool.CallAsync(new SkillCallRequest(assembly, "Run", new Dictionary<string, string?> { ["text"] = "a" }, Limits, "ns/agent"), Cancellation);
        var second = await _pool.CallAsync(new SkillCallRequest(assembly, "Run", new Dictionary<string, string?> { ["text"] = "b" }, Limits, "ns/agent"), Cancellation);

        Assert.True(description.Loaded, description.Failure?.Error);
        var run = Assert.Single(description.Functions);
        Assert.Equal("Run", run.Name);
        Assert.Equal("text", Assert.Single(run.Parameters).Name);
        Assert.True(("a!", "b!") == (first.Value, second.Value), $"{first.Error} {second.Error}");
        Assert.Equal(1, _pool.HostsStarted);
    }

    [Fact]
    public async Task Describing_a_skill_runs_none_of_its_code_in_the_caller()
    {
        // Its constructor would end this process; describing must not construct it.
        var deadly = UnsandboxedAssembly.Compile(
            "public sealed class S { public S() { Environment.FailFast(\"constructed\"); } [KernelFunction, System.ComponentModel.Description(\"Runs.\")] public string Run(int times) => times.ToString(); }");

        var description = await _pool.DescribeAsync(deadly, Limits, Cancellation);
        var hostsForDescribing = _pool.HostsStarted;
        var called = await CallAsync(deadly);

        var run = Assert.Single(description.Functions);
        Assert.Equal(("Run", "Runs."), (run.Name, run.Description));
        Assert.Contains("integer", Assert.Single(run.Parameters).Schema, StringComparison.Ordinal);
        Assert.Equal(0, hostsForDescribing);
        AssertStopped(called, SkillStopReason.Crashed);
    }

    [Fact]
    public async Task A_framework_hang_the_budget_cannot_reach_is_killed_at_the_deadline()
    {
        var hang = Sandboxed(
            "public sealed class S { [KernelFunction] public string Run() { object x = 0; for (int i = 0; i < 64; i++) x = Tuple.Create(x, x); return x.GetHashCode().ToString(); } }",
            "sha256:tuple-hang");
        var limits = Limits with { Timeout = TimeSpan.FromMilliseconds(500) };

        var stopped = await CallAsync(hang, limits: limits);
        var after = await CallAsync(Sandboxed(Echo, "sha256:echo-after-hang"));

        AssertStopped(stopped, SkillStopReason.Timeout);
        Assert.Contains("skill call stopped: timeout", stopped.Error, StringComparison.Ordinal);
        Assert.Equal("hi!", after.Value);
    }

    [Fact]
    public async Task A_stack_overflow_in_framework_code_loses_only_its_host()
    {
        var overflow = Sandboxed(
            "public sealed class S { [KernelFunction] public string Run() { object x = 0; for (int i = 0; i < 1_000_000; i++) x = Tuple.Create(x, 0); return x.GetHashCode().ToString(); } }",
            "sha256:tuple-overflow");

        var crashed = await CallAsync(overflow, limits: Limits with { Timeout = TimeSpan.FromSeconds(20) });
        var after = await CallAsync(Sandboxed(Echo, "sha256:echo-after-crash"));

        AssertStopped(crashed, SkillStopReason.Crashed);
        Assert.Contains("skill call stopped: crashed", crashed.Error, StringComparison.Ordinal);
        Assert.Contains("Stack overflow", crashed.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("hi!", after.Value);
    }

    [Fact]
    public async Task A_huge_field_initializer_hits_the_heap_limit_at_load()
    {
        var bomb = Sandboxed(
            "public sealed class S { private readonly long[] _b = Enumerable.Repeat(0L, 300_000_000).ToArray(); [KernelFunction] public string Run() => _b.Length.ToString(); }",
            "sha256:field-bomb");

        var stopped = await CallAsync(bomb, limits: Limits with { MaxAllocatedBytes = 4L * 1024 * 1024 * 1024 });

        AssertStopped(stopped, SkillStopReason.OutOfMemory);
    }

    [Fact]
    public async Task An_answer_over_the_output_limit_is_refused()
    {
        var big = Sandboxed("public sealed class S { [KernelFunction] public string Run() => new string('x', 200_000); }", "sha256:big-output");

        var stopped = await CallAsync(big);

        AssertStopped(stopped, SkillStopReason.OutputTooLarge);
        Assert.Contains("skill call stopped: output too large", stopped.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resident_memory_past_the_limit_kills_the_host()
    {
        await using var pool = new SkillHostPool(new SkillHostOptions { HeapHardLimitBytes = 1024L * 1024 * 1024, MaxResidentBytes = 160L * 1024 * 1024 });
        var hog = UnsandboxedAssembly.Compile(
            "public sealed class S { [KernelFunction] public string Run() { var keep = new System.Collections.Generic.List<byte[]>(); for (int i = 0; i < 600; i++) { var b = new byte[1 << 20]; Array.Fill(b, (byte)1); keep.Add(b); } System.Threading.Thread.Sleep(30_000); return keep.Count.ToString(); } }");

        var stopped = await pool.CallAsync(new SkillCallRequest(hog, "Run", NoArguments, Limits with { Timeout = TimeSpan.FromSeconds(20) }, "ns/agent"), Cancellation);

        AssertStopped(stopped, SkillStopReason.OutOfMemory);
        Assert.Contains("skill call stopped: memory", stopped.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_killed_from_outside_mid_call_costs_that_call_only()
    {
        var spinner = Sandboxed("public sealed class S { [KernelFunction] public string Run() { var i = 0L; while (true) { i++; } } }", "sha256:spinner");
        var call = CallAsync(spinner, limits: Limits with { Timeout = TimeSpan.FromSeconds(30) });
        var pid = await BusyHostAsync();

        Process.GetProcessById(pid).Kill();
        var killed = await call;
        var after = await CallAsync(Sandboxed(Echo, "sha256:echo-after-kill"));

        AssertStopped(killed, SkillStopReason.Crashed);
        Assert.Contains("signal 9", killed.Error, StringComparison.Ordinal);
        Assert.Equal("hi!", after.Value);
    }

    [Fact]
    public async Task A_new_version_waiting_for_the_last_slot_takes_it_when_the_old_versions_host_goes_idle()
    {
        // One slot, idle hosts kept far longer than the test: only eviction can free it.
        await using var pool = new SkillHostPool(new SkillHostOptions { MaxHosts = 1, SpareHost = false, IdleTimeout = TimeSpan.FromHours(1) });
        var v1 = UnsandboxedAssembly.Compile("public sealed class S { [KernelFunction] public string Run() { System.Threading.Thread.Sleep(1000); return \"v1\"; } }");
        var v2 = Sandboxed("public sealed class S { [KernelFunction] public string Run() => \"v2\"; }", "sha256:v2");

        var running = pool.CallAsync(new SkillCallRequest(v1, "Run", NoArguments, Limits, "ns/agent"), Cancellation);
        while (pool.BusyHostIds.Count == 0)
        {
            await Task.Delay(20, Cancellation);
        }

        // Asks while the only host is busy with v1, so it waits; when v1's call ends that host goes idle, not away.
        var waiting = pool.CallAsync(new SkillCallRequest(v2, "Run", NoArguments, Limits, "ns/agent"), Cancellation);
        Assert.Equal("v1", (await running).Value);
        var after = await waiting.WaitAsync(TimeSpan.FromMinutes(1), Cancellation);

        Assert.True(after.Value == "v2", after.Error);
        Assert.Equal(2, pool.HostsStarted);
    }

    [Fact]
    public async Task State_that_slips_past_the_policy_stays_with_one_tenant()
    {
        var counter = UnsandboxedAssembly.Compile("public sealed class S { private static int s_calls; [KernelFunction] public string Run() => (++s_calls).ToString(); }");

        var a1 = await CallAsync(counter, tenant: "ns/a");
        var a2 = await CallAsync(counter, tenant: "ns/a");
        var b1 = await CallAsync(counter, tenant: "other/a");

        Assert.Equal(("1", "2", "1"), (a1.Value, a2.Value, b1.Value));
    }

    [Fact]
    public async Task Code_past_the_policy_cannot_read_the_callers_secrets_files_or_network()
    {
        Environment.SetEnvironmentVariable("METAEVOLVE_TEST_SECRET", "s3cr3t");
        var snoop = UnsandboxedAssembly.Compile("""
            public sealed class S
            {
                [KernelFunction]
                public string Run(int parent)
                {
                    static string Try(Func<string> probe) { try { return "read:" + probe().Length; } catch (Exception e) { return "denied:" + e.GetType().Name; } }
                    var environment = string.Join(",", System.Environment.GetEnvironmentVariables().Keys.Cast<string>().OrderBy(k => k));
                    var callerEnviron = Try(() => System.IO.File.ReadAllText($"/proc/{parent}/environ"));
                    var passwd = Try(() => System.IO.File.ReadAllText("/etc/passwd"));
                    var connect = Try(() => { using var s = new System.Net.Sockets.TcpClient(); s.Connect("127.0.0.1", 1); return "connected"; });
                    return $"{environment}|{callerEnviron}|{passwd}|{connect}";
                }
            }
            """);

        var outcome = await _pool.CallAsync(new SkillCallRequest(snoop, "Run", new Dictionary<string, string?> { ["parent"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Limits, "ns/agent"), Cancellation);

        Assert.True(outcome.Status == SkillCallStatus.Completed, outcome.Error);
        var parts = outcome.Value!.Split('|');
        Assert.DoesNotContain("METAEVOLVE_TEST_SECRET", parts[0], StringComparison.Ordinal);
        Assert.Equal("DOTNET_CLI_TELEMETRY_OPTOUT,DOTNET_EnableDiagnostics,DOTNET_GCHeapHardLimit,DOTNET_ROOT,DOTNET_gcServer,HOME,TMPDIR", parts[0]);
        Assert.True(_pool.NonDumpableApplied);
        // Landlock (this kernel offers ABI 7): no /proc, no /etc, and (ABI 4+) no TCP connect.
        Assert.StartsWith("denied:", parts[1], StringComparison.Ordinal);
        Assert.StartsWith("denied:", parts[2], StringComparison.Ordinal);
        Assert.StartsWith("denied:", parts[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_that_were_swapped_after_hashing_are_not_loaded()
    {
        var assembly = Sandboxed(Echo, "sha256:swapped");
        assembly.Bytes[^1] ^= 0xFF;

        var refused = await CallAsync(assembly);

        Assert.True(refused.Status == SkillCallStatus.Failed, refused.Error);
        Assert.Contains("refusing to load", refused.Error, StringComparison.Ordinal);
    }

    private static void AssertStopped(SkillCallOutcome outcome, SkillStopReason reason) =>
        Assert.True(outcome.Status == SkillCallStatus.Stopped && outcome.StopReason == reason, $"{outcome.Status} {outcome.StopReason}: {outcome.Error}");

    private async Task<int> BusyHostAsync()
    {
        for (var i = 0; i < 400; i++)
        {
            if (_pool.BusyHostIds is [var pid, ..])
            {
                // Past the load: the call itself is running.
                await Task.Delay(300, Cancellation);
                return pid;
            }

            await Task.Delay(25, Cancellation);
        }

        throw new TimeoutException("no host became busy");
    }
}
