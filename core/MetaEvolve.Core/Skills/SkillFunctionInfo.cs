namespace MetaEvolve.Core.Skills;

/// <summary>A function a skill offers, as reported in the Skill's status.</summary>
public sealed record SkillFunctionInfo(string Name, string? Description, IReadOnlyList<string> Parameters)
{
    public bool Equals(SkillFunctionInfo? other) =>
        other is not null && Name == other.Name && Description == other.Description && Parameters.SequenceEqual(other.Parameters);

    public override int GetHashCode() => HashCode.Combine(Name, Description, Parameters.Count);
}
