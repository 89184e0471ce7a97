using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>Reads who controls an object from its owner references.</summary>
public static class OwnerReferences
{
    /// <summary>The key of the object's controlling owner when that owner is of <paramref name="owner"/>'s kind; null otherwise.</summary>
    public static ObjectKey? ControllerOf(V1ObjectMeta metadata, ResourceKind owner)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(owner);
        var reference = metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true && o.Kind == owner.Kind && owner.IsGroupOf(o.ApiVersion));
        // Owners of namespaced children live in the child's namespace.
        return reference is null ? null : new ObjectKey(metadata.NamespaceProperty ?? "", reference.Name);
    }
}
