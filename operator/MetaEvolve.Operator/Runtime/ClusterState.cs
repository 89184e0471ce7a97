using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Keda;

namespace MetaEvolve.Operator.Runtime;

/// <summary>The caches of one leadership term, and the lookups reconcilers and event mappings share.</summary>
public sealed class ClusterState
{
    public ObjectCache<V1Alpha1AgentPool> Pools { get; } = new();
    public ObjectCache<V1Alpha1Agent> Agents { get; } = new();
    public ObjectCache<V1Alpha1Skill> Skills { get; } = new();
    public ObjectCache<V1Deployment> Deployments { get; } = new();
    public ObjectCache<V1Secret> Secrets { get; } = new();
    public ObjectCache<V1ConfigMap> ConfigMaps { get; } = new();
    public ObjectCache<V2HorizontalPodAutoscaler> Autoscalers { get; } = new();
    public ObjectCache<KedaScaledObject> ScaledObjects { get; } = new();

    public bool Synced => Pools.Synced && Agents.Synced && Skills.Synced && Deployments.Synced && Secrets.Synced && ConfigMaps.Synced
        && Autoscalers.Synced && ScaledObjects.Synced;

    /// <summary>The agents bound to a pool, by name.</summary>
    public IReadOnlyList<V1Alpha1Agent> AgentsOfPool(ObjectKey pool) =>
        [.. Agents.List(pool.Namespace).Where(a => a.Spec.PoolRef?.Name == pool.Name).OrderBy(a => a.Metadata.Name, StringComparer.Ordinal)];

    /// <summary>The agents that list a skill, by name.</summary>
    public IReadOnlyList<V1Alpha1Agent> AgentsUsingSkill(ObjectKey skill) =>
        [.. Agents.List(skill.Namespace).Where(a => a.Spec.Skills?.Any(s => s.Name == skill.Name) == true).OrderBy(a => a.Metadata.Name, StringComparer.Ordinal)];

    /// <summary>The agents whose model key or instructions come from the named Secret or ConfigMap.</summary>
    public IReadOnlyList<V1Alpha1Agent> AgentsReferencing(string ns, string name, bool secret) =>
        [.. Agents.List(ns).Where(a => secret
            ? a.Spec.Model?.ApiKeySecretRef?.Name == name || a.Spec.InstructionsFrom?.SecretKeyRef?.Name == name
            : a.Spec.InstructionsFrom?.ConfigMapKeyRef?.Name == name)];
}
