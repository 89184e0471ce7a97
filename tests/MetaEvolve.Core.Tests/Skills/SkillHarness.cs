using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Tests.Skills;

/// <summary>Compiles and runs skill sources the way the worker does, for tests.</summary>
internal static class SkillHarness
{
    public static readonly SkillLimits FastLimits = new(TimeSpan.FromMilliseconds(500), 64L * 1024 * 1024, 1024 * 1024);

    public static SkillCompilation Compile(string source) =>
        new CSharpSkillCompiler().Compile(source, "skill_test_" + Guid.NewGuid().ToString("N")[..8], TestContext.Current.CancellationToken);

    public static LoadedCSharpSkill Load(string source)
    {
        var compilation = Compile(source);
        Assert.True(compilation.Succeeded, string.Join(Environment.NewLine, compilation.Diagnostics));
        return CSharpSkillLoader.Load("sha256:test", compilation.Assembly!, "test", null, new SkillCallOptions(FastLimits, CancellationToken.None));
    }

    public static async Task<SkillCallOutcome> RunAsync(string source, string function, SkillLimits? limits = null, KernelArguments? arguments = null)
    {
        using var skill = Load(source);
        return await SkillCallRunner.InvokeAsync(new Kernel(), skill.Plugin[function], arguments ?? [], limits ?? FastLimits, TestContext.Current.CancellationToken);
    }
}
