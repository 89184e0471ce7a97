using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Keda;
using MetaEvolve.Operator.Runtime;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// A pool's autoscaler child: an HPA in mode Hpa, a KEDA ScaledObject in mode Keda, neither in mode None or while
/// suspended. Switching modes deletes the other kind, so exactly one owner of the replica count remains. Children are
/// compared by config hash, so fields the server (or KEDA) defaults never look like drift.
/// </summary>
[RequiresPermission("autoscaling", "horizontalpodautoscalers", "get,list,watch,create,update,patch,delete")]
[RequiresPermission(KedaScaledObject.Group, KedaScaledObject.Plural, "get,list,watch,create,update,patch,delete")]
public sealed class PoolAutoscalers(IKubernetes client, ClusterState state, PoolRuntimeSettings settings, ILogger<PoolAutoscalers> logger)
{
    public async Task<AutoscalerObservation> ApplyAsync(V1Alpha1AgentPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        AutoscalingMode? mode = PoolDefaults.Suspended(pool) ? null : PoolDefaults.Mode(pool);
        var key = new ObjectKey(pool.Metadata.NamespaceProperty, PoolNames.Deployment(pool));

        V2HorizontalPodAutoscaler? hpa = null;
        if (mode == AutoscalingMode.Hpa)
        {
            hpa = await ApplyHpaAsync(PoolHpaBuilder.Build(pool), cancellationToken);
        }
        else if (state.Autoscalers.Get(key) is not null)
        {
            await DeleteAsync("HorizontalPodAutoscaler", key, () => client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(key.Name, key.Namespace, cancellationToken: cancellationToken));
        }

        if (mode == AutoscalingMode.Keda)
        {
            var desired = PoolScaledObjectBuilder.Build(pool, settings.Stream, settings.NatsMonitoringEndpoint);
            try
            {
                return new AutoscalerObservation(null, await ApplyScaledObjectAsync(desired, cancellationToken), null);
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return new AutoscalerObservation(null, null,
                    $"KEDA's {KedaScaledObject.Group}/{KedaScaledObject.Version} {KedaScaledObject.KubeKind} API is not installed: install KEDA, or use autoscaling mode Hpa");
            }
        }

        if (state.ScaledObjects.Get(key) is not null)
        {
            await DeleteAsync(KedaScaledObject.KubeKind, key, () => client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                KedaScaledObject.Group, KedaScaledObject.Version, key.Namespace, KedaScaledObject.Plural, key.Name, cancellationToken: cancellationToken));
        }

        return new AutoscalerObservation(hpa, null, null);
    }

    private async Task<V2HorizontalPodAutoscaler> ApplyHpaAsync(V2HorizontalPodAutoscaler desired, CancellationToken cancellationToken)
    {
        var ns = desired.Metadata.NamespaceProperty;
        var name = desired.Metadata.Name;
        var existing = state.Autoscalers.Get(new ObjectKey(ns, name));
        if (existing is null)
        {
            try
            {
                logger.LogInformation("Creating HorizontalPodAutoscaler {Namespace}/{Name}", ns, name);
                return Cached(await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(desired, ns, cancellationToken: cancellationToken));
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.Conflict)
            {
                return Cached(await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken));
            }
        }

        if (ConfigHash.Read(existing.Metadata) == ConfigHash.Read(desired.Metadata))
        {
            return existing;
        }

        logger.LogInformation("Updating HorizontalPodAutoscaler {Namespace}/{Name}", ns, name);
        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        return Cached(await client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(desired, name, ns, cancellationToken: cancellationToken));
    }

    private async Task<KedaScaledObject> ApplyScaledObjectAsync(KedaScaledObject desired, CancellationToken cancellationToken)
    {
        var ns = desired.Metadata.NamespaceProperty;
        var name = desired.Metadata.Name;
        var existing = state.ScaledObjects.Get(new ObjectKey(ns, name));
        if (existing is null)
        {
            try
            {
                logger.LogInformation("Creating ScaledObject {Namespace}/{Name}", ns, name);
                return Cached(await client.CustomObjects.CreateNamespacedCustomObjectAsync<KedaScaledObject>(desired,
                    KedaScaledObject.Group, KedaScaledObject.Version, ns, KedaScaledObject.Plural, cancellationToken: cancellationToken));
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // The watch may not have seen KEDA's API appear yet; caching it now lets a later mode switch delete it.
                return Cached(await client.CustomObjects.GetNamespacedCustomObjectAsync<KedaScaledObject>(
                    KedaScaledObject.Group, KedaScaledObject.Version, ns, KedaScaledObject.Plural, name, cancellationToken));
            }
        }

        if (ConfigHash.Read(existing.Metadata) == ConfigHash.Read(desired.Metadata))
        {
            return existing;
        }

        logger.LogInformation("Updating ScaledObject {Namespace}/{Name}", ns, name);
        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        return Cached(await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<KedaScaledObject>(desired,
            KedaScaledObject.Group, KedaScaledObject.Version, ns, KedaScaledObject.Plural, name, cancellationToken: cancellationToken));
    }

    private async Task DeleteAsync(string kind, ObjectKey key, Func<Task> delete)
    {
        logger.LogInformation("Deleting {Kind} {Namespace}/{Name}: the pool's autoscaling mode no longer uses it", kind, key.Namespace, key.Name);
        try
        {
            await delete();
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone; the watch removes it from the cache.
        }
    }

    // Cached at once so the next reconcile, which may come before the watch event, does not create it again.
    private V2HorizontalPodAutoscaler Cached(V2HorizontalPodAutoscaler hpa)
    {
        state.Autoscalers.Remember(hpa);
        return hpa;
    }

    private KedaScaledObject Cached(KedaScaledObject scaledObject)
    {
        state.ScaledObjects.Remember(scaledObject);
        return scaledObject;
    }
}
