using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>One function call for an executor.</summary>
/// <param name="Arguments">Argument values as text; the host converts them to the parameters' types.</param>
/// <param name="Tenant">Who calls (for a worker: <c>namespace/agent</c>). A host serves one tenant and one digest, so
/// whatever state slips past the policy is never seen by another agent, namespace or skill.</param>
public sealed record SkillCallRequest(
    SkillAssembly Assembly, string Function, IReadOnlyDictionary<string, string?> Arguments, SkillLimits Limits, string Tenant);
