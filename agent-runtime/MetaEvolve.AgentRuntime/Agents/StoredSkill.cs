namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>One immutable skill version as stored: its spec (Kubernetes JSON) and, for C#, the compiled assembly by digest.</summary>
public sealed record StoredSkill(string Namespace, string Name, string Version, string Digest, string Type, string SpecJson);
