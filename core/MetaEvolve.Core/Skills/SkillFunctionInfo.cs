namespace MetaEvolve.Core.Skills;

/// <summary>A function a skill offers, as reported in the Skill's status.</summary>
/// <param name="Required">The parameters callers must give, when the source says (an MCP tool's input schema).</param>
public sealed record SkillFunctionInfo(string Name, string? Description, IReadOnlyList<string> Parameters, IReadOnlyList<string>? Required = null)
{
    public bool Equals(SkillFunctionInfo? other) =>
        other is not null && Name == other.Name && Description == other.Description && Parameters.SequenceEqual(other.Parameters)
        && (Required ?? []).SequenceEqual(other.Required ?? []);

    public override int GetHashCode() => HashCode.Combine(Name, Description, Parameters.Count);
}
