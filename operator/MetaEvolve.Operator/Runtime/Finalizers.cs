using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Adds and removes the operator's finalizer, used only where a resource has state outside Kubernetes
/// (JetStream consumers, store rows). The patch carries the resourceVersion, so a stale cache gets a conflict
/// (and a retry) instead of overwriting someone else's finalizers.
/// </summary>
public sealed class Finalizers(IKubernetes client)
{
    public const string Cleanup = "metaevolve.io/cleanup";

    public static bool Has(IKubernetesObject<V1ObjectMeta> resource) => resource?.Metadata.Finalizers?.Contains(Cleanup) == true;

    public static bool IsDeleting(IKubernetesObject<V1ObjectMeta> resource) => resource?.Metadata.DeletionTimestamp is not null;

    /// <returns>The updated object, or the given one when it already had the finalizer.</returns>
    public async Task<T> AddAsync<T>(T resource, CancellationToken cancellationToken) where T : class, IKubernetesObject<V1ObjectMeta> =>
        Has(resource) ? resource : await PatchAsync(resource, [.. resource.Metadata.Finalizers ?? [], Cleanup], cancellationToken);

    public async Task RemoveAsync<T>(T resource, CancellationToken cancellationToken) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (Has(resource))
        {
            await PatchAsync(resource, [.. resource.Metadata.Finalizers!.Where(f => f != Cleanup)], cancellationToken);
        }
    }

    private async Task<T> PatchAsync<T>(T resource, List<string> finalizers, CancellationToken cancellationToken) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var api = ResourceApi.For<T>();
        var body = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = resource.Metadata.ResourceVersion,
                ["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)JsonValue.Create(f))]),
            },
        };
        var updated = await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch),
            api.Group, api.Version, resource.Metadata.NamespaceProperty, api.Plural, resource.Metadata.Name, cancellationToken: cancellationToken);
        return ObjectJson.As<T>(updated);
    }
}
