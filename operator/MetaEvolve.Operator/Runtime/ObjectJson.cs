using System.Text.Json;
using k8s;

namespace MetaEvolve.Operator.Runtime;

/// <summary>The custom-objects API answers with untyped JSON; this reads it as a typed object.</summary>
public static class ObjectJson
{
    public static T As<T>(object? value) => value switch
    {
        T typed => typed,
        JsonElement element => KubernetesJson.Deserialize<T>(element.GetRawText()),
        null => throw new InvalidOperationException($"expected a {typeof(T).Name}, got nothing"),
        _ => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value)),
    };
}
