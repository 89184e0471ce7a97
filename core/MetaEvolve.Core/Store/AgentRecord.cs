namespace MetaEvolve.Core.Store;

/// <summary>One row of the agents table as the gateway shows it; the JSON columns stay raw text.</summary>
public sealed record AgentRecord(
    string Namespace,
    string Name,
    string Pool,
    string Digest,
    string SpecJson,
    string ResolvedSkillsJson,
    DateTimeOffset UpdatedAt);
