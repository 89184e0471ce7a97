namespace MetaEvolve.Core.Store;

/// <summary>Who wrote the latest published version of a skill (its <c>spec.origin</c>).</summary>
/// <param name="AuthoredBy">Human or Agent; null when the spec has no origin (a human's).</param>
public sealed record PublishedSkillOrigin(string? AuthoredBy, string? AgentName)
{
    public bool IsHuman => AuthoredBy is null or "Human";
}
