namespace MetaEvolve.Core.Store;

/// <summary>The latest proposal of one skill name by one agent, and the version of it the store publishes, if any.</summary>
public sealed record AuthoredSkill(string Skill, string Version, string State, string Digest, string? Reason, string? Message, DateTime CreatedAt, string? PublishedVersion);
