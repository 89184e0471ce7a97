using MetaEvolve.DevCluster.Api;

namespace MetaEvolve.DevCluster.Storage;

/// <summary>Where an object lives: its group/resource, namespace ("" when cluster-scoped) and name.</summary>
public readonly record struct ObjectKey(GroupResource Resource, string Namespace, string Name)
{
    public override string ToString() =>
        Namespace.Length == 0 ? $"{Resource}/{Name}" : $"{Resource}/{Namespace}/{Name}";
}
