using System.Reflection;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>Where a kind is served and how owner references name it, read from its <see cref="KubernetesEntityAttribute"/>.</summary>
public sealed record ResourceKind(string Group, string Version, string Kind, string Plural)
{
    /// <summary>The apiVersion objects of this kind carry: <c>group/version</c>, or just the version in the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public static ResourceKind Of<T>() => Of(typeof(T));

    public static ResourceKind Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{type.Name} has no [KubernetesEntity] attribute naming its group, version, kind and plural");
        return new ResourceKind(entity.Group ?? "", entity.ApiVersion, entity.Kind, entity.PluralName);
    }

    /// <summary>True when an apiVersion names this kind's group, in any version (owner references outlive version bumps).</summary>
    public bool IsGroupOf(string? apiVersion)
    {
        var slash = apiVersion?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        var group = slash < 0 ? "" : apiVersion![..slash];
        return apiVersion is { Length: > 0 } && group == Group;
    }
}
