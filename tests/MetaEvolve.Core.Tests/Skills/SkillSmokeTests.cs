using MetaEvolve.Core.Skills;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Tests.Skills;

public sealed class SkillSmokeTests
{
    [Fact]
    public async Task A_plain_skill_compiles_loads_and_runs()
    {
        const string source = """
            public sealed class Text
            {
                [KernelFunction, Description("Reverses a string")]
                public string Reverse([Description("the input")] string input) => new string(input.Reverse().ToArray());

                [KernelFunction]
                public static async Task<int> CountWordsAsync(string input)
                {
                    await Task.CompletedTask;
                    var total = 0;
                    foreach (var word in input.Split(' ', StringSplitOptions.RemoveEmptyEntries)) { total++; }
                    return total;
                }
            }
            """;
        var outcome = await SkillHarness.RunAsync(source, "Reverse", arguments: new KernelArguments { ["input"] = "abc" });
        Assert.Equal(new SkillCallOutcome(SkillCallStatus.Completed, "cba", null, null), outcome);
        var count = await SkillHarness.RunAsync(source, "CountWords", arguments: new KernelArguments { ["input"] = "a b  c" });
        Assert.Equal("3", count.Value);
    }
}
