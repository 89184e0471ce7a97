using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>Names one namespaced object; the unit of work of every controller.</summary>
public readonly record struct ObjectKey(string Namespace, string Name)
{
    public static ObjectKey Of(IKubernetesObject<V1ObjectMeta> resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return new ObjectKey(resource.Metadata.NamespaceProperty ?? "", resource.Metadata.Name);
    }

    public override string ToString() => $"{Namespace}/{Name}";
}
