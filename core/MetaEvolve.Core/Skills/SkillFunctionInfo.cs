namespace MetaEvolve.Core.Skills;

/// <summary>A function a skill offers, as reported in the Skill's status.</summary>
public sealed record SkillFunctionInfo(string Name, string? Description);
