namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>A Skill's declared test case (<c>spec.tests[]</c>) without the Kubernetes types.</summary>
public sealed record SkillTestCaseDefinition(string Label, string Function, IReadOnlyDictionary<string, string?> Arguments, SkillTestExpectation Expect);

/// <summary>Exactly one of the three is expected to be set; none set fails the test.</summary>
public sealed record SkillTestExpectation(string? EqualTo, string? Contains, string? Matches);

public enum SkillTestVerdict
{
    Passed,
    Failed,
    Stopped,
}

/// <summary>One test's verdict with the sentence a person reads (<c>expected ..., got ...</c>, or the stop reason).</summary>
public sealed record SkillTestOutcome(string Label, SkillTestVerdict Verdict, string Message);
