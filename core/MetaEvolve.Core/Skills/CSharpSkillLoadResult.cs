namespace MetaEvolve.Core.Skills;

/// <summary>A loaded skill, or the diagnostics that kept it from loading.</summary>
public sealed record CSharpSkillLoadResult(LoadedCSharpSkill? Skill, IReadOnlyList<SkillDiagnostic> Diagnostics);
