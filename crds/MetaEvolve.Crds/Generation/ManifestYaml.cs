using System.Text.Json;
using k8s;
using YamlDotNet.Serialization;

namespace MetaEvolve.Crds.Generation;

/// <summary>
/// Writes Kubernetes objects as YAML through their JSON form, so integers stay integers (`minimum: 1`, not
/// `1.0`) and strings that would read as another type are quoted.
/// </summary>
public static class ManifestYaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .Build();

    public static string Serialize(object kubernetesObject)
    {
        using var json = JsonDocument.Parse(KubernetesJson.Serialize(kubernetesObject));
        return Serializer.Serialize(ToPlain(json.RootElement));
    }

    private static object? ToPlain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToPlain(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(ToPlain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var n) ? n : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
