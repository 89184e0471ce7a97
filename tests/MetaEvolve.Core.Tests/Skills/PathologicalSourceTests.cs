namespace MetaEvolve.Core.Tests.Skills;

/// <summary>Sources built to hurt the compiler side (operator, worker) rather than the call: each has one known outcome.</summary>
public sealed class PathologicalSourceTests
{
    [Fact]
    public void A_very_long_expression_compiles()
    {
        var sum = string.Join(" + ", Enumerable.Repeat("x", 1_000));
        var source = $"public sealed class S {{ [KernelFunction] public int Run(int x) => {sum}; }}";

        var compilation = SkillHarness.Compile(source);

        Assert.True(compilation.Succeeded, string.Join(Environment.NewLine, compilation.Diagnostics));
        Assert.Equal("Run", Assert.Single(compilation.Functions).Name);
    }

    [Fact]
    public void Deep_nesting_compiles()
    {
        var nested = new string('(', 1_000) + "x" + new string(')', 1_000);
        var source = $"public sealed class S {{ [KernelFunction] public int Run(int x) => {nested}; }}";

        var compilation = SkillHarness.Compile(source);

        Assert.True(compilation.Succeeded, string.Join(Environment.NewLine, compilation.Diagnostics));
    }
}
