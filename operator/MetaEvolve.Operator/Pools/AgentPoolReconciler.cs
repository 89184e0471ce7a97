using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Keda;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// AgentPool → the pool's JetStream consumer, its namespace's Secret with connection settings, the agent-runtime Deployment and
/// its autoscaler (HPA or KEDA ScaledObject). Replicas are written only in mode None (and when suspended); an
/// autoscaler owns them otherwise, apart from the 0↔1 step of a pool that may scale to zero.
/// </summary>
[RequiresPermission(ApiGroup.Group, V1Alpha1AgentPool.KubePlural, "get,list,watch,patch,update")]
[RequiresPermission(ApiGroup.Group, V1Alpha1AgentPool.KubePlural + "/status", "get,patch,update")]
[RequiresPermission("apps", "deployments", "get,list,watch,create,update,patch,delete")]
[RequiresPermission("apps", "deployments/scale", "get,update,patch")]
[RequiresPermission("", "secrets", "get,list,watch,create,update,patch,delete")]
public sealed class AgentPoolReconciler(
    IKubernetes client,
    ClusterState state,
    QueueSamples samples,
    PoolQueueMonitor monitor,
    PoolAutoscalers autoscalers,
    TaskQueueTopology queue,
    TaskRepository tasks,
    NamespaceConnectionSecrets connectionSecrets,
    PoolStatusPacer statusPacer,
    PoolRuntimeOptions settings,
    StatusWriter statusWriter,
    Finalizers finalizers,
    EventRecorder events,
    ILogger<AgentPoolReconciler> logger) : IReconciler<V1Alpha1AgentPool>
{
    private static readonly TimeSpan NatsTimeout = TimeSpan.FromSeconds(5);

    // Only the children the operator made are cached, not every Deployment and autoscaler of the cluster.
    private static readonly CacheOptions ManagedChildren = new() { LabelSelector = $"{PoolNames.ManagedByLabel}={PoolNames.ManagedBy}" };

    /// <summary>Declares the pool controller: a change to a pool, its children, its agents or its queue reconciles it.</summary>
    public Controller<V1Alpha1AgentPool> SetupWith(ControllerManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        return manager.For<V1Alpha1AgentPool>()
            .Owns<V1Deployment>(ManagedChildren)
            // The namespace's connection Secret has no owner: its change (or deletion) reconciles one pool of the
            // namespace, which puts it back; every pool reads the same one.
            // A Secret an agent names for its model key decides, by its label, whether the Deployment carries the key.
            .Watches<V1Secret>(secret => PoolConnectionSecretBuilder.IsManaged(secret) ? OnePoolOf(secret.Metadata.NamespaceProperty) : PoolsUsingKey(secret))
            .Owns<V2HorizontalPodAutoscaler>(ManagedChildren)
            .Owns<KedaScaledObject>(ManagedChildren with { OptionalApi = true })
            // The Deployment carries the agents' API keys and the status lists them; an agent that moved pools changes
            // the pool it left (its previous version) and the one it joined.
            // An agent's status is not the pool's business.
            .Watches<V1Alpha1Agent>(agent => agent.Spec.PoolRef?.Name is { Length: > 0 } name ? [new ObjectKey(agent.Metadata.NamespaceProperty ?? "", name)] : [],
                when: change => !ChangeFilters.StatusOnly(change))
            // The Deployment carries the header Secrets of the Mcp skills its agents use.
            .Watches<V1Alpha1Skill>(skill => skill.Spec.Type == SkillType.Mcp ? PoolsUsingSkill(skill) : [], when: change => !ChangeFilters.StatusOnly(change))
            .WatchesRawSource(monitor)
            .Complete(this);
    }

    private IEnumerable<ObjectKey> PoolsUsingKey(V1Secret secret)
    {
        var ns = secret.Metadata.NamespaceProperty ?? "";
        var byAgents = state.AgentsReferencing(ns, secret.Metadata.Name, secret: true)
            .Where(a => a.Spec.Model?.ApiKeySecretRef?.Name == secret.Metadata.Name && a.Spec.PoolRef?.Name is { Length: > 0 })
            .Select(a => new ObjectKey(ns, a.Spec.PoolRef!.Name));
        var bySkills = state.Skills.List(ns)
            .Where(s => (s.Spec.Mcp?.HeadersFrom ?? []).Any(h => h.SecretKeyRef.Name == secret.Metadata.Name))
            .SelectMany(PoolsUsingSkill);
        return byAgents.Concat(bySkills).Distinct();
    }

    private IEnumerable<ObjectKey> PoolsUsingSkill(V1Alpha1Skill skill) => state.AgentsUsingSkill(ObjectKey.Of(skill))
        .Where(a => a.Spec.PoolRef?.Name is { Length: > 0 })
        .Select(a => new ObjectKey(a.Metadata.NamespaceProperty ?? "", a.Spec.PoolRef!.Name))
        .Distinct();

    /// <summary>The Mcp skills the agents use (any version: a header's variable is named by skill and header, not version).</summary>
    private List<V1Alpha1Skill> McpSkillsOf(string ns, IReadOnlyList<V1Alpha1Agent> agents) =>
        [.. agents.SelectMany(a => a.Spec.Skills ?? []).Select(r => r.Name).Distinct(StringComparer.Ordinal)
            .Select(name => state.Skills.Get(new ObjectKey(ns, name)))
            .OfType<V1Alpha1Skill>()
            .Where(s => s.Spec.Type == SkillType.Mcp)];

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, V1Alpha1AgentPool? pool, CancellationToken cancellationToken)
    {
        if (pool is null)
        {
            // The children follow their owner reference; the finalizer already removed the consumer.
            monitor.Forget(key);
            statusPacer.Forget(key);
            await connectionSecrets.DeleteIfUnusedAsync(key.Namespace, cancellationToken);
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
        var consumer = PoolConsumerBuilder.Settings(pool);

        var queueError = await ApplyConsumerAsync(key, consumer, cancellationToken);
        var connectionHash = await connectionSecrets.ApplyAsync(key.Namespace, cancellationToken);
        var deployment = PoolDeploymentBuilder.Build(pool, agents, settings, connectionHash,
            secret => Agents.AgentSecretPolicy.Allows(state.Secrets.Get(new ObjectKey(key.Namespace, secret))), McpSkillsOf(key.Namespace, agents));
        var applied = await ApplyDeploymentAsync(deployment, cancellationToken);
        await connectionSecrets.DeleteLegacyAsync(pool, cancellationToken);
        var autoscaler = await autoscalers.ApplyAsync(pool, cancellationToken);
        applied = await ScaleBetweenZeroAndOneAsync(key, pool, applied, cancellationToken);

        var observed = new PoolObservation(applied, queueError, [.. agents.Select(a => a.Metadata.Name)], samples.Get(key), autoscaler);
        var (status, queueHeldFor) = statusPacer.Pace(key, pool.Status, PoolStatusBuilder.Build(pool, observed, DateTime.UtcNow, settings.Regions));
        if (await statusWriter.WriteIfChangedAsync(pool, status, cancellationToken) is { } written)
        {
            statusPacer.Written(key);
            state.Pools.Remember(written);
            await events.RecordTransitionsAsync(pool, pool.Status?.Conditions, status.Conditions!, cancellationToken);
        }

        if (queueError is not null)
        {
            throw new TransientException($"consumer of pool {key}: {queueError}");
        }

        if (autoscaler.Problem is not null)
        {
            // Without KEDA there is nothing to watch for; look again now and then in case it gets installed.
            return ReconcileResult.After(TimeSpan.FromMinutes(1));
        }

        var cooldown = ZeroScaling.UntilCooledDown(pool, applied.Spec.Replicas, samples.Get(key), DateTime.UtcNow);
        var grace = PoolStatusBuilder.GraceEndsIn(observed, DateTime.UtcNow);
        return new[] { cooldown, grace, queueHeldFor }.Where(d => d is not null).Min() is { } wait
            ? ReconcileResult.After(wait + TimeSpan.FromMilliseconds(100))
            : ReconcileResult.Done;
    }

    /// <summary>
    /// The step an HPA cannot take (see <see cref="ZeroScaling"/>), through the Deployment's /scale so nothing else
    /// of the Deployment is touched. Before a pool goes to zero it starts listening for its next task.
    /// </summary>
    private async Task<V1Deployment> ScaleBetweenZeroAndOneAsync(ObjectKey key, V1Alpha1AgentPool pool, V1Deployment deployment, CancellationToken cancellationToken)
    {
        var step = ZeroScaling.Decide(pool, deployment.Spec.Replicas, samples.Get(key), DateTime.UtcNow);
        var atZero = (step?.Replicas ?? deployment.Spec.Replicas) == 0;
        await monitor.WakeOnTaskAsync(pool, atZero && ZeroScaling.MayIdleAtZero(pool), cancellationToken);
        if (step is null)
        {
            return deployment;
        }

        var ns = deployment.Metadata.NamespaceProperty;
        var name = deployment.Metadata.Name;
        logger.LogInformation("Scaling Deployment {Namespace}/{Name} to {Replicas}: {Message}", ns, name, step.Replicas, step.Message);
        var patch = new V1Patch("{\"spec\":{\"replicas\":" + step.Replicas.ToString(CultureInfo.InvariantCulture) + "}}", V1Patch.PatchType.MergePatch);
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, name, ns, cancellationToken: cancellationToken);
        await events.RecordAsync(pool, EventRecorder.Normal, step.Reason, step.Message, cancellationToken);

        // Until the watch brings the Deployment back, the cache must not offer the same step again.
        var scaled = KubernetesJson.Deserialize<V1Deployment>(KubernetesJson.Serialize(deployment));
        scaled.Spec.Replicas = step.Replicas;
        return Cached(scaled);
    }

    private async Task CleanUpAsync(ObjectKey key, V1Alpha1AgentPool pool, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(pool))
        {
            return;
        }

        // Consumer first, so no worker starts another of the pool's tasks; then the queued ones are recorded as failed
        // (a store error keeps the finalizer and retries); then their messages go.
        await queue.DeleteConsumerAsync(key.Namespace!, key.Name, cancellationToken);
        var failed = await tasks.FailQueuedOfPoolAsync(key.Namespace!, key.Name, $"pool deleted: {key.Namespace}/{key.Name}", cancellationToken);
        await queue.PurgePoolAsync(key.Namespace!, key.Name, cancellationToken);
        await finalizers.RemoveAsync(pool, cancellationToken);
        logger.LogInformation("Removed the consumer and messages of pool {Pool}; {Failed} queued task(s) recorded as failed", key, failed);
    }

    /// <summary>Applies the consumer and records the queue figures its info carries; returns why it failed, if it did.</summary>
    private async Task<string?> ApplyConsumerAsync(ObjectKey key, PoolConsumerSettings consumer, CancellationToken cancellationToken)
    {
        // While NATS is unreachable the client waits for a reconnect; bound the wait so the pool can say why.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(NatsTimeout);
        try
        {
            var info = await queue.EnsureConsumerAsync(consumer, timeout.Token);
            samples.Record(key, QueueLagReader.From(info, DateTime.UtcNow));
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"NATS did not answer within {NatsTimeout.TotalSeconds:0} s";
        }
        catch (Exception exception) when (exception is NatsException or NatsJSException or TimeoutException or TaskStreamConflictException or PoolConsumerNameConflictException)
        {
            return exception.Message;
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

        var sameConfig = ConfigHash.Read(existing.Metadata) == ConfigHash.Read(desired.Metadata);
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

    /// <summary>The first pool of the namespace by name (any one will do); none when it has no pool.</summary>
    private IEnumerable<ObjectKey> OnePoolOf(string? ns) =>
        state.Pools.List(ns ?? "").Select(ObjectKey.Of).OrderBy(k => k.Name, StringComparer.Ordinal).Take(1);

    // The watch brings the same object soon; caching the write's answer now keeps the next reconcile from
    // acting on the old one (a conflict and a retry).
    private V1Deployment Cached(V1Deployment deployment)
    {
        state.Deployments.Remember(deployment);
        return deployment;
    }
}
