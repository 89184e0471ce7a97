using MetaEvolve.Core.Skills;

namespace MetaEvolve.Operator.Skills;

/// <summary>The outcome of validating one skill spec with the shared skill code.</summary>
/// <param name="Reason">Why it was rejected (a <see cref="Crds.ConditionReasons"/> value), or null when valid.</param>
/// <param name="Assembly">The compiled assembly of a valid C# skill.</param>
public sealed record SkillValidation(string? Reason, IReadOnlyList<SkillDiagnostic> Diagnostics, IReadOnlyList<SkillFunctionInfo> Functions, byte[]? Assembly)
{
    public bool Succeeded => Reason is null;
}
