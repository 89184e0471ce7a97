using System.Text.Json;
using System.Text.RegularExpressions;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>Turns a test call's outcome into a verdict against the test's expectation (the one rule every caller shares).</summary>
public static class SkillTestJudge
{
    public static SkillTestOutcome Judge(SkillTestCaseDefinition test, SkillCallOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(outcome);
        switch (outcome.Status)
        {
            case SkillCallStatus.Stopped:
                return new SkillTestOutcome(test.Label, SkillTestVerdict.Stopped, outcome.Error ?? "skill call stopped");
            case SkillCallStatus.Failed:
                return new SkillTestOutcome(test.Label, SkillTestVerdict.Failed, $"the function threw {outcome.Error}");
        }

        var actual = outcome.Value ?? "";
        var (passed, expectation) = test.Expect switch
        {
            { EqualTo: { } equalTo } => (actual == equalTo, $"equals {Quote(equalTo)}"),
            { Contains: { } contains } => (actual.Contains(contains, StringComparison.Ordinal), $"contains {Quote(contains)}"),
            { Matches: { } pattern } => (Regex.IsMatch(actual, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)), $"matches {Quote(pattern)}"),
            _ => (false, "an expectation (equals, contains or matches)"),
        };
        return passed
            ? new SkillTestOutcome(test.Label, SkillTestVerdict.Passed, "passed")
            : new SkillTestOutcome(test.Label, SkillTestVerdict.Failed, $"expected result that {expectation}, got {Quote(actual)}");
    }

    private static string Quote(string text) => JsonSerializer.Serialize(text);
}
