namespace MetaEvolve.Core.Skills;

/// <summary>The outcome of compiling a C# skill: the assembly, or why there is none.</summary>
public sealed record SkillCompilation(byte[]? Assembly, IReadOnlyList<SkillDiagnostic> Diagnostics, IReadOnlyList<SkillFunctionInfo> Functions)
{
    public bool Succeeded => Assembly is not null;
}
