namespace MetaEvolve.Core.Tests.Skills;

/// <summary>Sources built to hurt the compiler side (operator, worker) rather than the call.</summary>
public sealed class PathologicalSourceTests
{
    [Theory]
    [InlineData(1_000)]
    public void A_very_long_expression_is_rejected_or_compiled_without_crashing(int terms)
    {
        var sum = string.Join(" + ", Enumerable.Repeat("x", terms));
        var source = $"public sealed class S {{ [KernelFunction] public int Run(int x) => {sum}; }}";

        var compilation = SkillHarness.Compile(source);

        Assert.True(compilation.Succeeded || compilation.Diagnostics.Count > 0);
    }

    [Fact]
    public void Deep_nesting_is_rejected_or_compiled_without_crashing()
    {
        var nested = new string('(', 1_000) + "x" + new string(')', 1_000);
        var source = $"public sealed class S {{ [KernelFunction] public int Run(int x) => {nested}; }}";

        var compilation = SkillHarness.Compile(source);

        Assert.True(compilation.Succeeded || compilation.Diagnostics.Count > 0);
    }
}
