using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>Where a kind is served: group, version, plural.</summary>
public sealed record ResourceApi(string Group, string Version, string Plural, string Kind)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public static ResourceApi For<T>() where T : IKubernetesObject
    {
        var entity = (KubernetesEntityAttribute?)Attribute.GetCustomAttribute(typeof(T), typeof(KubernetesEntityAttribute))
            ?? throw new InvalidOperationException($"{typeof(T).Name} has no [KubernetesEntity]");
        return new ResourceApi(entity.Group, entity.ApiVersion, entity.PluralName, entity.Kind);
    }
}
