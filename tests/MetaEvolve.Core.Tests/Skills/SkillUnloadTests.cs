using System.Runtime.CompilerServices;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Tests.Skills;

/// <summary>Old skill versions unload: their collectible contexts are collected and memory does not grow.</summary>
[Collection(nameof(CpuMeasurement))]
public sealed class SkillUnloadTests
{
    private const string Source = """
        public sealed class S
        {
            [KernelFunction, Description("Adds")]
            public int Add(int a, int b) => a + b;
        }
        """;

    [Fact]
    public async Task A_disposed_skill_version_is_collected()
    {
        var bytes = SkillHarness.Compile(Source).Assembly!;
        var reference = await LoadCallAndDisposeAsync(bytes);

        Assert.True(WaitForCollection(reference), "the unloaded skill context is still alive");
    }

    [Fact]
    public async Task A_thousand_load_unload_cycles_stay_within_bounds()
    {
        var bytes = SkillHarness.Compile(Source).Assembly!;
        for (var i = 0; i < 50; i++)
        {
            await LoadCallAndDisposeAsync(bytes);
        }

        var baseline = SettledMemory();
        var references = new List<WeakReference>();
        for (var i = 0; i < 1000; i++)
        {
            references.Add(await LoadCallAndDisposeAsync(bytes));
        }

        var growth = SettledMemory() - baseline;
        var alive = references.Count(r => r.IsAlive);

        // Bounds: at most a handful of contexts still awaiting finalization, and well under 1 KB per cycle
        // retained (a leaked context keeps its assembly, plugin and metadata: tens of KB each).
        Assert.True(alive <= 5, $"{alive} of 1000 unloaded contexts are still alive");
        Assert.True(growth < 8L * 1024 * 1024, $"managed memory grew by {growth / 1024} KB over 1000 cycles");
    }

    internal static long SettledMemory()
    {
        for (var i = 0; i < 5; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static bool WaitForCollection(WeakReference reference)
    {
        for (var i = 0; i < 20 && reference.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return !reference.IsAlive;
    }

    // Not inlined, so no local in the test method keeps the plugin (and so the context) reachable.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> LoadCallAndDisposeAsync(byte[] bytes)
    {
        using var skill = CSharpSkillLoader.Load("sha256:unload", bytes, "math", null, SkillCallOptions.Default);
        var outcome = await SkillCallRunner.InvokeAsync(new Kernel(), skill.Plugin["Add"], new KernelArguments { ["a"] = "2", ["b"] = "3" },
            SkillLimits.Default, CancellationToken.None);
        Assert.Equal("5", outcome.Value);
        return skill.ContextReference;
    }
}
