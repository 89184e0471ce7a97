using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Agents;

/// <summary>What an agent's references resolved to, or the first one that did not resolve.</summary>
public sealed record AgentResolution(string? Instructions, IReadOnlyList<ResolvedSkill> Skills, AgentProblem? Problem)
{
    public static AgentResolution Failed(string reason, string message) => new(null, [], new AgentProblem(reason, message));
}

/// <summary>Why an agent is not Ready: a reason from <see cref="ConditionReasons"/> and a message naming the missing object.</summary>
public sealed record AgentProblem(string Reason, string Message);
