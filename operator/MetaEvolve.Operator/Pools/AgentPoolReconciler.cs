using k8s;
using k8s.Autorest;
using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// AgentPool → the pool's JetStream consumer, the Secret with connection settings, and the agent-runtime
/// Deployment. Replicas are written only in mode None (and when suspended); an autoscaler owns them otherwise.
/// </summary>
[RequiresPermission(ApiGroup.Group, V1Alpha1AgentPool.KubePlural, "get,list,watch,patch,update")]
[RequiresPermission(ApiGroup.Group, V1Alpha1AgentPool.KubePlural + "/status", "get,patch,update")]
[RequiresPermission("apps", "deployments", "get,list,watch,create,update,patch,delete")]
[RequiresPermission("", "secrets", "get,list,watch,create,update,patch,delete")]
public sealed class AgentPoolReconciler(
    IKubernetes client,
    ClusterState state,
    TaskQueueTopology queue,
    ConnectionOptions connections,
    PoolRuntimeSettings settings,
    StatusWriter statusWriter,
    Finalizers finalizers,
    EventRecorder events,
    ILogger<AgentPoolReconciler> logger) : IReconciler<V1Alpha1AgentPool>
{
    private static readonly TimeSpan NatsTimeout = TimeSpan.FromSeconds(5);

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, V1Alpha1AgentPool? pool, CancellationToken cancellationToken)
    {
        if (pool is null)
        {
            // The Deployment and Secret follow their owner reference; the finalizer already removed the consumer.
            return ReconcileResult.Done;
        }

        if (Finalizers.IsDeleting(pool))
        {
            await CleanUpAsync(key, pool, cancellationToken);
            return ReconcileResult.Done;
        }

        pool = await finalizers.AddAsync(pool, cancellationToken);
        state.Pools.Remember(pool);

        var agents = state.AgentsOfPool(key);
        var secret = PoolConnectionSecretBuilder.Build(pool, connections);
        var deployment = PoolDeploymentBuilder.Build(pool, agents, settings, PoolConnectionSecretBuilder.HashOf(secret));
        var consumer = PoolConsumerBuilder.Build(pool);

        var queueError = await ApplyConsumerAsync(consumer, cancellationToken);
        await ApplySecretAsync(secret, cancellationToken);
        var applied = await ApplyDeploymentAsync(deployment, cancellationToken);

        var observed = new PoolObservation(applied, queueError, [.. agents.Select(a => a.Metadata.Name)]);
        var status = PoolStatusBuilder.Build(pool, observed, DateTime.UtcNow);
        if (await statusWriter.WriteIfChangedAsync(pool, status, cancellationToken) is { } written)
        {
            state.Pools.Remember(written);
            await events.RecordTransitionsAsync(pool, pool.Status?.Conditions, status.Conditions!, cancellationToken);
        }

        return queueError is null
            ? ReconcileResult.Done
            : throw new TransientException($"consumer of pool {key}: {queueError}");
    }

    private async Task CleanUpAsync(ObjectKey key, V1Alpha1AgentPool pool, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(pool))
        {
            return;
        }

        await queue.DeleteConsumerAsync(PoolConsumerBuilder.Build(pool).Name!, cancellationToken);
        await finalizers.RemoveAsync(pool, cancellationToken);
        logger.LogInformation("Removed the consumer of pool {Pool}", key);
    }

    private async Task<string?> ApplyConsumerAsync(NATS.Client.JetStream.Models.ConsumerConfig consumer, CancellationToken cancellationToken)
    {
        // While NATS is unreachable the client waits for a reconnect; bound the wait so the pool can say why.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(NatsTimeout);
        try
        {
            await queue.EnsureConsumerAsync(consumer, timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"NATS did not answer within {NatsTimeout.TotalSeconds:0} s";
        }
        catch (Exception exception) when (exception is NatsException or NatsJSException or TimeoutException)
        {
            return exception.Message;
        }
    }

    private async Task ApplySecretAsync(V1Secret desired, CancellationToken cancellationToken)
    {
        var ns = desired.Metadata.NamespaceProperty;
        var existing = state.Secrets.Get(new ObjectKey(ns, desired.Metadata.Name));
        if (existing is null)
        {
            try
            {
                state.Secrets.Remember(SecretWatchSource.KeysOnly(await client.CoreV1.CreateNamespacedSecretAsync(desired, ns, cancellationToken: cancellationToken)));
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // Created by an earlier reconcile whose watch event has not arrived yet; the next pass compares it.
            }

            return;
        }

        if (PoolConnectionSecretBuilder.HashOf(existing) != PoolConnectionSecretBuilder.HashOf(desired))
        {
            desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            state.Secrets.Remember(SecretWatchSource.KeysOnly(await client.CoreV1.ReplaceNamespacedSecretAsync(desired, desired.Metadata.Name, ns, cancellationToken: cancellationToken)));
        }
    }

    private async Task<V1Deployment> ApplyDeploymentAsync(V1Deployment desired, CancellationToken cancellationToken)
    {
        var ns = desired.Metadata.NamespaceProperty;
        var name = desired.Metadata.Name;
        var existing = state.Deployments.Get(new ObjectKey(ns, name));
        if (existing is null)
        {
            try
            {
                logger.LogInformation("Creating Deployment {Namespace}/{Name}", ns, name);
                return Cached(await client.AppsV1.CreateNamespacedDeploymentAsync(desired, ns, cancellationToken: cancellationToken));
            }
            catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                return await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: cancellationToken);
            }
        }

        var sameConfig = existing.Metadata.Annotations?.TryGetValue(PoolNames.ConfigHashAnnotation, out var hash) == true
            && hash == desired.Metadata.Annotations[PoolNames.ConfigHashAnnotation];
        var replicasWanted = desired.Spec.Replicas;
        if (sameConfig && (replicasWanted is null || replicasWanted == existing.Spec.Replicas))
        {
            return existing;
        }

        // Replace rather than patch: the operator owns the whole template, so fields a user added by hand go.
        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        desired.Spec.Replicas = replicasWanted ?? existing.Spec.Replicas;
        logger.LogInformation("Updating Deployment {Namespace}/{Name} (config changed: {ConfigChanged}, replicas {Replicas})", ns, name, !sameConfig, desired.Spec.Replicas);
        return Cached(await client.AppsV1.ReplaceNamespacedDeploymentAsync(desired, name, ns, cancellationToken: cancellationToken));
    }

    // The watch brings the same object soon; caching the write's answer now keeps the next reconcile from
    // acting on the old one (a conflict and a retry).
    private V1Deployment Cached(V1Deployment deployment)
    {
        state.Deployments.Remember(deployment);
        return deployment;
    }
}
