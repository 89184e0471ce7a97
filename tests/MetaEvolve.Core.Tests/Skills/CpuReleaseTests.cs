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

        // CPU time consumed by the whole process while it should be idle, measured over a window: a
        // spinning thread would add about one second per second per leaked call.
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        process.Refresh();
        var used = process.TotalProcessorTime - before;

        Assert.True(used < TimeSpan.FromMilliseconds(500), $"the process used {used.TotalMilliseconds:0} ms CPU in an idle 1500 ms window");
    }
}
