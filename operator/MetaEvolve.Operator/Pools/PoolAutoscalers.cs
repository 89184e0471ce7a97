using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Keda;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// A pool's autoscaler child: an HPA in mode Hpa, a KEDA ScaledObject in mode Keda, neither in mode None or while
/// suspended. Switching modes deletes the other kind, so exactly one owner of the replica count remains. Children are
/// compared by config hash, so fields the server (or KEDA) defaults never look like drift.
/// </summary>
[RequiresPermission("autoscaling", "horizontalpodautoscalers", "get,list,watch,create,update,patch,delete")]
[RequiresPermission(KedaScaledObject.Group, KedaScaledObject.Plural, "get,list,watch,create,update,patch,delete")]
public sealed class PoolAutoscalers(IKubernetes client, ClusterState state, PoolRuntimeOptions settings, ILogger<PoolAutoscalers> logger)
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
            var desired = PoolScaledObjectBuilder.Build(pool, settings.Names, settings.NatsMonitoringEndpoint);
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

    private Task<V2HorizontalPodAutoscaler> ApplyHpaAsync(V2HorizontalPodAutoscaler desired, CancellationToken cancellationToken)
    {
        var (ns, name) = (desired.Metadata.NamespaceProperty, desired.Metadata.Name);
        return ApplyAsync("HorizontalPodAutoscaler", desired, state.Autoscalers,
            () => client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(desired, ns, cancellationToken: cancellationToken),
            () => client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken),
            () => client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(desired, name, ns, cancellationToken: cancellationToken));
    }

    private Task<KedaScaledObject> ApplyScaledObjectAsync(KedaScaledObject desired, CancellationToken cancellationToken)
    {
        var (ns, name) = (desired.Metadata.NamespaceProperty, desired.Metadata.Name);
        return ApplyAsync(KedaScaledObject.KubeKind, desired, state.ScaledObjects,
            () => client.CustomObjects.CreateNamespacedCustomObjectAsync<KedaScaledObject>(desired,
                KedaScaledObject.Group, KedaScaledObject.Version, ns, KedaScaledObject.Plural, cancellationToken: cancellationToken),
            () => client.CustomObjects.GetNamespacedCustomObjectAsync<KedaScaledObject>(
                KedaScaledObject.Group, KedaScaledObject.Version, ns, KedaScaledObject.Plural, name, cancellationToken),
            () => client.CustomObjects.ReplaceNamespacedCustomObjectAsync<KedaScaledObject>(desired,
                KedaScaledObject.Group, KedaScaledObject.Version, ns, KedaScaledObject.Plural, name, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Creates the child, or replaces it when its config hash differs. Whatever the server answers is cached at once,
    /// so the next reconcile — which may come before the watch event, or before the watch has seen an optional API
    /// appear — neither creates it again nor misses it when a mode switch must delete it.
    /// </summary>
    private async Task<T> ApplyAsync<T>(string kind, T desired, ObjectCache<T> cache, Func<Task<T>> create, Func<Task<T>> read, Func<Task<T>> replace)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var (ns, name) = (desired.Metadata.NamespaceProperty, desired.Metadata.Name);
        var existing = cache.Get(new ObjectKey(ns, name));
        T applied;
        if (existing is null)
        {
            try
            {
                logger.LogInformation("Creating {Kind} {Namespace}/{Name}", kind, ns, name);
                applied = await create();
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.Conflict)
            {
                applied = await read();
            }
        }
        else if (ConfigHash.Read(existing.Metadata) == ConfigHash.Read(desired.Metadata))
        {
            return existing;
        }
        else
        {
            logger.LogInformation("Updating {Kind} {Namespace}/{Name}", kind, ns, name);
            desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            applied = await replace();
        }

        cache.Remember(applied);
        return applied;
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
}
