using System.Diagnostics;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Tests.Skills;

[CollectionDefinition(nameof(CpuMeasurement), DisableParallelization = true)]
public sealed class CpuMeasurement;

/// <summary>"Stopped" must mean the CPU is released, not that the caller stopped waiting.</summary>
[Collection(nameof(CpuMeasurement))]
public sealed class CpuReleaseTests
{
    [Fact]
    public async Task Cpu_is_free_again_after_a_stopped_infinite_loop()
    {
        using var skill = SkillHarness.Load("public sealed class S { [KernelFunction] public string Run() { var i = 0L; while (true) { i++; } } }");
        var limits = SkillHarness.FastLimits with { Timeout = TimeSpan.FromMilliseconds(300) };

        // Several calls at once: a leaked spinner would keep a core busy each.
        var calls = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            SkillCallRunner.InvokeAsync(new Kernel(), skill.Plugin["Run"], [], limits, CancellationToken.None)));
        var outcomes = await Task.WhenAll(calls);
        Assert.All(outcomes, o => Assert.Equal(SkillStopReason.Timeout, o.StopReason));

        // CPU time the whole process uses in windows where it should be idle. A leaked spinner costs about one
        // core-second per second in every window; transient work (tiered JIT recompiling hot Roslyn code,
        // a background GC) fades, so the quietest of several windows is what is judged.
        // Up to 10 s for a quiet window: background runtime work (tiered JIT recompiling hot Roslyn code after
        // a test run full of compilations) fades, a leaked spinner never does (see the control below).
        var windows = await IdleWindowsAsync(count: 20, stopWhenQuiet: true);

        Assert.True(windows.Min() < IdleCeiling,
            $"CPU used in idle 500 ms windows: {string.Join(", ", windows.Select(w => $"{w.TotalMilliseconds:0} ms"))}; busiest threads: {await BusiestThreadsAsync()}");
    }

    // For the failure message: which threads burn the CPU (Linux /proc), to tell a leaked spinner from runtime work.
    private static async Task<string> BusiestThreadsAsync()
    {
        static Dictionary<string, (string Name, long Ticks)> Sample()
        {
            var result = new Dictionary<string, (string, long)>();
            foreach (var task in Directory.Exists("/proc/self/task") ? Directory.GetDirectories("/proc/self/task") : [])
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                    result[Path.GetFileName(task)] = (File.ReadAllText(Path.Combine(task, "comm")).Trim(), ticks);
                }
                catch (IOException)
                {
                }
            }

            return result;
        }

        var before = Sample();
        await Task.Delay(500);
        var after = Sample();
        return string.Join(", ", after
            .Select(t => (t.Key, t.Value.Name, Delta: t.Value.Ticks - (before.TryGetValue(t.Key, out var b) ? b.Ticks : 0)))
            .Where(t => t.Delta > 0)
            .OrderByDescending(t => t.Delta)
            .Take(5)
            .Select(t => $"{t.Name}#{t.Key}={t.Delta * 10} ms"));
    }

    [Fact]
    public async Task The_measurement_would_see_a_leaked_spinner()
    {
        // The control: a thread that keeps spinning after its caller gave up, as a call stopped only by
        // "no longer waiting" would.
        using var stop = new ManualResetEventSlim();
        var spinner = new Thread(() =>
        {
            while (!stop.IsSet)
            {
            }
        });
        spinner.Start();
        try
        {
            var windows = await IdleWindowsAsync(count: 6, stopWhenQuiet: false);

            Assert.True(windows.Min() >= IdleCeiling,
                $"CPU used in 500 ms windows: {string.Join(", ", windows.Select(w => $"{w.TotalMilliseconds:0} ms"))}");
        }
        finally
        {
            stop.Set();
            spinner.Join();
        }
    }

    // An idle process uses ~1 ms of CPU per 500 ms window. A spinning thread uses up to 500 ms; on this
    // machine shared by many builds (load average 20 on 2 cores) it was still seen using 76 ms or more.
    private static readonly TimeSpan IdleCeiling = TimeSpan.FromMilliseconds(25);

    private static async Task<List<TimeSpan>> IdleWindowsAsync(int count, bool stopWhenQuiet)
    {
        var process = Process.GetCurrentProcess();
        var windows = new List<TimeSpan>();
        for (var i = 0; i < count && !(stopWhenQuiet && windows.Count > 0 && windows[^1] < IdleCeiling); i++)
        {
            process.Refresh();
            var before = process.TotalProcessorTime;
            await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            process.Refresh();
            windows.Add(process.TotalProcessorTime - before);
        }

        return windows;
    }
}
