using k8s.Models;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Pools;

/// <summary>Names and labels of a pool's children.</summary>
public static class PoolNames
{
    public const string PoolLabel = "metaevolve.io/pool";
    public const string NameLabel = "app.kubernetes.io/name";
    public const string InstanceLabel = "app.kubernetes.io/instance";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ComponentName = "agent-runtime";
    public const string ManagedBy = "metaevolve-operator";
    public const string ConfigHashAnnotation = "metaevolve.io/config-hash";
    public const string ContainerName = "agent-runtime";
    public const int HttpPort = 8080;

    public static string Deployment(V1Alpha1AgentPool pool) => $"{pool?.Metadata.Name}-workers";

    /// <summary>The Secret carrying the connection settings into a namespace, one for all its pools.</summary>
    public const string ConnectionSecret = "metaevolve-connection";

    /// <summary>The per-pool Secret earlier versions made (owned by the pool); the reconciler deletes it.</summary>
    public static string LegacyConnectionSecret(V1Alpha1AgentPool pool) => $"{pool?.Metadata.Name}-connection";

    /// <summary>Metadata of a child named <paramref name="name"/>: the pool's namespace, our labels, owned by the pool.</summary>
    public static V1ObjectMeta ChildMetadata(V1Alpha1AgentPool pool, string name) => new()
    {
        Name = name,
        NamespaceProperty = pool?.Metadata.NamespaceProperty,
        Labels = new Dictionary<string, string>
        {
            [NameLabel] = ComponentName,
            [PoolLabel] = pool?.Metadata.Name ?? "",
            [InstanceLabel] = pool?.Metadata.Name ?? "",
            [ManagedByLabel] = ManagedBy,
        },
        Annotations = new Dictionary<string, string>(),
        OwnerReferences = [PoolDeploymentBuilder.OwnerReference(pool!)],
    };

    public static IDictionary<string, string> Selector(V1Alpha1AgentPool pool) => new Dictionary<string, string>
    {
        [NameLabel] = ComponentName,
        [PoolLabel] = pool?.Metadata.Name ?? "",
    };

    public static string SelectorString(V1Alpha1AgentPool pool) =>
        string.Join(",", Selector(pool).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
