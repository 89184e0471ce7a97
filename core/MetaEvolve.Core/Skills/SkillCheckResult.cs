namespace MetaEvolve.Core.Skills;

/// <summary>Why a skill spec did not pass <see cref="SkillChecker"/> (the names match the Skill condition reasons).</summary>
public enum SkillCheckFailure
{
    PolicyViolation,
    CompilationFailed,
    TestsFailed,
    TemplateInvalid,
}

/// <summary>The outcome of checking one skill spec with the shared skill code.</summary>
/// <param name="Failure">Why it was rejected, or null when it passed.</param>
/// <param name="Assembly">The compiled assembly of a C# skill that passed.</param>
public sealed record SkillCheckResult(SkillCheckFailure? Failure, IReadOnlyList<SkillDiagnostic> Diagnostics, IReadOnlyList<SkillFunctionInfo> Functions, byte[]? Assembly)
{
    public bool Succeeded => Failure is null;
}
