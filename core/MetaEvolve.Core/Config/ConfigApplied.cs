namespace MetaEvolve.Core.Config;

/// <summary>
/// What a worker announces (core NATS, fire and forget) after it swapped in an agent version: subject
/// <see cref="NatsNames.ConfigApplied"/>. Operators and benchmarks watch it to see a change
/// reach every worker; nothing depends on it for correctness.
/// </summary>
public sealed record ConfigApplied(string Worker, string Namespace, string Agent, string AgentDigest, IReadOnlyDictionary<string, string> Skills, DateTimeOffset At);
