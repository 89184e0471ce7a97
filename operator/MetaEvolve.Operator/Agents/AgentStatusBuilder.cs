using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Agents;

/// <summary>An agent's status. Pure.</summary>
public static class AgentStatusBuilder
{
    public static V1Alpha1AgentStatus Projected(V1Alpha1Agent agent, AgentProjection projection, IReadOnlyList<ResolvedSkill> skills, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(projection);
        var generation = agent.Metadata.Generation;
        var conditions = Conditions.Set(agent.Status?.Conditions, ConditionTypes.Ready, true, ConditionReasons.Reconciled,
            $"resolved and stored as {projection.Digest}", generation, now);
        conditions = Conditions.Remove(conditions, ConditionTypes.Stalled);
        return new V1Alpha1AgentStatus
        {
            ObservedGeneration = generation,
            Digest = projection.Digest,
            ResolvedSkills = [.. skills],
            Conditions = conditions,
        };
    }

    /// <summary>
    /// Not Ready because a reference does not resolve. The store keeps the last good projection (workers go on with
    /// it), and status keeps its digest; the agent is reconciled again when the missing object appears.
    /// </summary>
    public static V1Alpha1AgentStatus Unresolved(V1Alpha1Agent agent, AgentProblem problem, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(problem);
        var generation = agent.Metadata.Generation;
        var conditions = Conditions.Set(agent.Status?.Conditions, ConditionTypes.Ready, false, problem.Reason, problem.Message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Stalled, true, problem.Reason, problem.Message, generation, now);
        return new V1Alpha1AgentStatus
        {
            ObservedGeneration = generation,
            Digest = agent.Status?.Digest,
            ResolvedSkills = agent.Status?.ResolvedSkills,
            Conditions = conditions,
        };
    }

    /// <summary>
    /// Not Ready because the store could not be read or written. Not stalled: the controller retries with backoff, and
    /// workers go on with the last stored projection meanwhile.
    /// </summary>
    public static V1Alpha1AgentStatus StoreUnavailable(V1Alpha1Agent agent, string message, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var generation = agent.Metadata.Generation;
        var conditions = Conditions.Set(agent.Status?.Conditions, ConditionTypes.Ready, false, ConditionReasons.StoreUnavailable, message, generation, now);
        conditions = Conditions.Remove(conditions, ConditionTypes.Stalled);
        return new V1Alpha1AgentStatus
        {
            ObservedGeneration = agent.Status?.ObservedGeneration,
            Digest = agent.Status?.Digest,
            ResolvedSkills = agent.Status?.ResolvedSkills,
            Conditions = conditions,
        };
    }
}
