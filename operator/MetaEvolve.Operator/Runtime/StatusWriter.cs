using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Writes a custom resource's status through the status subresource — only when it differs from what the
/// cache holds, so a reconcile that changes nothing writes nothing.
/// </summary>
public sealed class StatusWriter(IKubernetes client)
{
    /// <returns>The object as the server returned it after the write, or null when nothing changed.</returns>
    public async Task<TResource?> WriteIfChangedAsync<TResource, TStatus>(TResource resource, TStatus status, CancellationToken cancellationToken)
        where TResource : class, IKubernetesObject<V1ObjectMeta>, IStatus<TStatus>
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (SameJson(resource.Status, status))
        {
            return null;
        }

        var api = ResourceApi.For<TResource>();
        var body = new JsonObject { ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)) };
        var updated = await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch),
            api.Group, api.Version, resource.Metadata.NamespaceProperty, api.Plural, resource.Metadata.Name,
            cancellationToken: cancellationToken);
        return ObjectJson.As<TResource>(updated);
    }

    /// <summary>Compares two values by their canonical JSON (nulls dropped, keys sorted).</summary>
    public static bool SameJson<TA, TB>(TA a, TB b) =>
        Canonical(JsonNode.Parse(KubernetesJson.Serialize(a))) == Canonical(JsonNode.Parse(KubernetesJson.Serialize(b)));

    private static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"\"{p.Key}\":{Canonical(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        _ => node.ToJsonString(),
    };
}
