using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Keda;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// The caches of one <see cref="ControllerManager"/>, one per kind a controller declared (For, Owns, Watches), and
/// the lookups reconcilers and mapping functions share.
/// </summary>
public sealed class ClusterState
{
    private readonly ConcurrentDictionary<Type, object> _caches = new();
    private readonly ConcurrentDictionary<string, Func<bool>> _synced = new();

    public ObjectCache<V1Alpha1AgentPool> Pools => Of<V1Alpha1AgentPool>();
    public ObjectCache<V1Alpha1Agent> Agents => Of<V1Alpha1Agent>();
    public ObjectCache<V1Alpha1Skill> Skills => Of<V1Alpha1Skill>();
    public ObjectCache<V1Deployment> Deployments => Of<V1Deployment>();
    public ObjectCache<V1Secret> Secrets => Of<V1Secret>();
    public ObjectCache<V1ConfigMap> ConfigMaps => Of<V1ConfigMap>();
    public ObjectCache<V2HorizontalPodAutoscaler> Autoscalers => Of<V2HorizontalPodAutoscaler>();
    public ObjectCache<KedaScaledObject> ScaledObjects => Of<KedaScaledObject>();

    /// <summary>True once every cache holds a full list.</summary>
    public bool Synced => _synced.Values.All(synced => synced());

    /// <summary>The kinds whose cache has not had its first list yet (for the error when waiting times out).</summary>
    public IReadOnlyList<string> Unsynced => [.. _synced.Where(p => !p.Value()).Select(p => p.Key).Order(StringComparer.Ordinal)];

    /// <summary>The cache of a kind some controller declared; reading a kind nobody watches is a wiring mistake.</summary>
    public ObjectCache<T> Of<T>() where T : class, IKubernetesObject<V1ObjectMeta> =>
        _caches.TryGetValue(typeof(T), out var cache)
            ? (ObjectCache<T>)cache
            : throw new InvalidOperationException($"{typeof(T).Name} is not watched: declare it with For, Owns or Watches in a reconciler's builder");

    internal ObjectCache<T> Add<T>() where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var cache = new ObjectCache<T>();
        if (!_caches.TryAdd(typeof(T), cache))
        {
            throw new InvalidOperationException($"{typeof(T).Name} already has a cache");
        }

        _synced[typeof(T).Name] = () => cache.Synced;
        return cache;
    }

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
