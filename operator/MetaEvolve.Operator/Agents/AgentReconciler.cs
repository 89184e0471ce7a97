using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Store;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;
using Npgsql;

namespace MetaEvolve.Operator.Agents;

/// <summary>
/// Agent → resolves its pool, skills and Secrets, projects it into the store with the skill digests it resolved,
/// and announces the digest on the config bucket; a deleted Agent's row and notice go (no finalizer, see
/// <see cref="StoredAgentSweep"/>). A missing reference gives Ready=False naming it; a store that
/// cannot be reached gives Ready=False with reason StoreUnavailable, retried with backoff. Every
/// <see cref="OperatorOptions.UsageInterval"/> the agent is reconciled again to show today's usage (status.usage,
/// condition BudgetExceeded, gauge metaevolve_agent_budget_used_ratio) and its namespace's budget annotations.
/// </summary>
[RequiresPermission(ApiGroup.Group, V1Alpha1Agent.KubePlural, "get,list,watch,patch,update")]
[RequiresPermission(ApiGroup.Group, V1Alpha1Agent.KubePlural + "/status", "get,patch,update")]
[RequiresPermission("", "secrets", "get,list,watch")]
[RequiresPermission("", "configmaps", "get,list,watch")]
// The budget annotations of an agent's Namespace (metaevolve.io/max-tokens-per-day, -cost-per-day): one GET per namespace and usage interval, no watch.
[RequiresPermission("", "namespaces", "get")]
public sealed class AgentReconciler(
    IKubernetes client,
    ClusterState state,
    AgentRepository agents,
    SkillVersionRepository skills,
    ConfigNoticeBoard notices,
    StoredAgentSweep sweep,
    StatusWriter statusWriter,
    Finalizers finalizers,
    EventRecorder events,
    NamespaceBudgetReader namespaceBudgets,
    AgentUsageReader usage,
    OperatorMetrics metrics,
    OperatorOptions options,
    ILogger<AgentReconciler> logger) : IReconciler<V1Alpha1Agent>
{
    /// <summary>Declares the agent controller: a change to an agent or to anything it references reconciles it.</summary>
    public Controller<V1Alpha1Agent> SetupWith(ControllerManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        return manager.For<V1Alpha1Agent>()
            // An agent naming a pool that (dis)appeared changes between PoolNotFound and Ready.
            .Watches<V1Alpha1AgentPool>(pool => state.AgentsOfPool(ObjectKey.Of(pool)).Select(ObjectKey.Of), when: ChangeFilters.ExistenceChanged)
            .Watches<V1Alpha1Skill>(skill => state.AgentsUsingSkill(ObjectKey.Of(skill)).Select(ObjectKey.Of))
            .Watches<V1Secret>(secret => state.AgentsReferencing(secret.Metadata.NamespaceProperty, secret.Metadata.Name, secret: true).Select(ObjectKey.Of))
            .Watches<V1ConfigMap>(configMap => state.AgentsReferencing(configMap.Metadata.NamespaceProperty, configMap.Metadata.Name, secret: false).Select(ObjectKey.Of))
            .WatchesRawSource(sweep)
            .Complete(this);
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, V1Alpha1Agent? agent, CancellationToken cancellationToken)
    {
        // No finalizer: the store row and the config notice are removed once the Agent is gone (or going), and
        // StoredAgentSweep queues the agents deleted while no operator was watching. Saves a write per Agent.
        if (agent is null || Finalizers.IsDeleting(agent))
        {
            await RemoveFromStoreAsync(key, cancellationToken);
            RemoveBudgetGauges(key);
            if (agent is not null)
            {
                // Agents made by an operator that still added a finalizer carry it until they go.
                await finalizers.RemoveAsync(agent, cancellationToken);
            }

            return ReconcileResult.Done;
        }

        var namespaceBudget = await namespaceBudgets.ReadAsync(key.Namespace, cancellationToken);
        if (namespaceBudget.Problem is { } budgetProblem && namespaceBudgets.FirstReport(key, budgetProblem))
        {
            await events.RecordAsync(agent, EventRecorder.Warning, ConditionReasons.InvalidNamespaceBudget, budgetProblem, cancellationToken);
        }

        V1Alpha1AgentStatus status;
        NpgsqlException? storeError = null;
        try
        {
            status = await ResolveAndStoreAsync(key, agent, namespaceBudget, cancellationToken);
        }
        catch (NpgsqlException exception)
        {
            storeError = exception;
            status = AgentStatusBuilder.StoreUnavailable(agent, $"the store could not be read or written: {exception.Message}", DateTime.UtcNow);
        }

        await ShowUsageAsync(key, agent, namespaceBudget, status);

        if (await statusWriter.WriteIfChangedAsync(agent, status, cancellationToken) is { } written)
        {
            state.Agents.Remember(written);
            await events.RecordTransitionsAsync(agent, agent.Status?.Conditions, status.Conditions!, cancellationToken);
        }

        // No watch event announces the store's recovery: retry with backoff.
        if (storeError is not null)
        {
            throw new TransientException($"store, agent {key}: {storeError.Message}", storeError);
        }

        // A missing reference needs no polling (its appearance is a watch event); today's usage does.
        return ReconcileResult.After(options.UsageInterval);
    }

    /// <summary>status.usage and BudgetExceeded from the workers' counters; without Redis, status keeps what it showed.</summary>
    private async Task ShowUsageAsync(ObjectKey key, V1Alpha1Agent agent, NamespaceBudget namespaceBudget, V1Alpha1AgentStatus status)
    {
        if (await usage.ReadAsync(key.Namespace, key.Name) is not { } reading)
        {
            status.Usage = agent.Status?.Usage;
            return;
        }

        status.Usage = AgentBudgetStatus.Usage(agent, reading);
        var limits = AgentBudgetStatus.Limits(agent, namespaceBudget, reading);
        status.Conditions = AgentBudgetStatus.Condition(status.Conditions, limits, reading.Day, agent.Metadata.Generation, DateTime.UtcNow);
        foreach (var name in AgentBudgetStatus.LimitNames)
        {
            if (limits.FirstOrDefault(l => l.Limit == name) is { } limit)
            {
                metrics.BudgetUsedRatio.WithLabels(key.Namespace, key.Name, name).Set(limit.Ratio);
            }
            else
            {
                metrics.BudgetUsedRatio.RemoveLabelled(key.Namespace, key.Name, name);
            }
        }
    }

    private void RemoveBudgetGauges(ObjectKey key)
    {
        foreach (var name in AgentBudgetStatus.LimitNames)
        {
            metrics.BudgetUsedRatio.RemoveLabelled(key.Namespace, key.Name, name);
        }
    }

    /// <summary>Idempotent: the notice goes before the row, so a failure in between is retried while the row still says so.</summary>
    private async Task RemoveFromStoreAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (await agents.DigestAsync(key.Namespace, key.Name, cancellationToken) is null)
        {
            return;
        }

        await notices.WithdrawAsync(ConfigNotices.AgentKey(key.Namespace, key.Name), cancellationToken);
        await agents.DeleteAsync(key.Namespace, key.Name, cancellationToken);
        logger.LogInformation("Removed agent {Agent} from the store", key);
    }

    private async Task<V1Alpha1AgentStatus> ResolveAndStoreAsync(ObjectKey key, V1Alpha1Agent agent, NamespaceBudget namespaceBudget, CancellationToken cancellationToken)
    {
        var resolution = await ResolveAsync(key, agent, cancellationToken);
        if (resolution.Problem is { } problem)
        {
            return AgentStatusBuilder.Unresolved(agent, problem, DateTime.UtcNow);
        }

        var projection = AgentProjection.Build(agent, resolution, namespaceBudget);
        if (await agents.UpsertAsync(key.Namespace, key.Name, projection.Pool, projection.Digest, projection.SpecJson, projection.ResolvedSkillsJson, cancellationToken))
        {
            logger.LogInformation("Stored agent {Agent} as {Digest}", key, projection.Digest);
        }

        await notices.AnnounceAsync(ConfigNotices.AgentKey(key.Namespace, key.Name), projection.Digest, cancellationToken);
        return AgentStatusBuilder.Projected(agent, projection, resolution.Skills, DateTime.UtcNow);
    }

    private async Task<AgentResolution> ResolveAsync(ObjectKey key, V1Alpha1Agent agent, CancellationToken cancellationToken)
    {
        var ns = key.Namespace;
        var pool = agent.Spec.PoolRef?.Name ?? "";
        if (state.Pools.Get(new ObjectKey(ns, pool)) is null)
        {
            return AgentResolution.Failed(ConditionReasons.PoolNotFound, $"AgentPool {pool} (spec.poolRef) does not exist in namespace {ns}");
        }

        if (agent.Spec.Model?.ApiKeySecretRef is { } apiKey && MissingSecretKey(ns, apiKey, "spec.model.apiKeySecretRef") is { } keyProblem)
        {
            return keyProblem;
        }

        string? instructions = agent.Spec.Instructions;
        if (agent.Spec.InstructionsFrom is { } from)
        {
            var (text, problem) = await InstructionsAsync(ns, from, cancellationToken);
            if (problem is not null)
            {
                return problem;
            }

            instructions = text;
        }

        var resolved = new List<ResolvedSkill>();
        foreach (var reference in agent.Spec.Skills ?? [])
        {
            if (state.Skills.Get(new ObjectKey(ns, reference.Name)) is null)
            {
                return AgentResolution.Failed(ConditionReasons.SkillNotFound, $"Skill {reference.Name} does not exist in namespace {ns}");
            }

            if (reference.Version is { } version)
            {
                var pinned = await skills.FindByVersionAsync(ns, reference.Name, version, cancellationToken);
                if (pinned is null)
                {
                    return AgentResolution.Failed(ConditionReasons.SkillVersionNotFound, $"Skill {reference.Name} has no published version {version}");
                }

                resolved.Add(new ResolvedSkill { Name = reference.Name, Version = pinned.Version, Digest = pinned.Digest });
            }
            else
            {
                var latest = await skills.LatestAsync(ns, reference.Name, cancellationToken);
                if (latest is null)
                {
                    return AgentResolution.Failed(ConditionReasons.SkillNotReady, $"Skill {reference.Name} has no published version yet");
                }

                resolved.Add(new ResolvedSkill { Name = reference.Name, Version = latest.Version, Digest = latest.Digest });
            }
        }

        return new AgentResolution(instructions, resolved, null);
    }

    private AgentResolution? MissingSecretKey(string ns, KeyReference reference, string field)
    {
        var secret = state.Secrets.Get(new ObjectKey(ns, reference.Name));
        if (secret is null)
        {
            return AgentResolution.Failed(ConditionReasons.SecretNotFound, $"Secret {reference.Name} ({field}) does not exist in namespace {ns}");
        }

        if (AgentSecretPolicy.Refusal(secret, field) is { } refusal)
        {
            return AgentResolution.Failed(ConditionReasons.SecretNotAllowed, refusal);
        }

        return secret.Data?.ContainsKey(reference.Key) == true
            ? null
            : AgentResolution.Failed(ConditionReasons.SecretNotFound, $"Secret {reference.Name} ({field}) has no key {reference.Key}");
    }

    private async Task<(string? Text, AgentResolution? Problem)> InstructionsAsync(string ns, InstructionsSource from, CancellationToken cancellationToken)
    {
        if (from.ConfigMapKeyRef is { } configMapKey)
        {
            var configMap = state.ConfigMaps.Get(new ObjectKey(ns, configMapKey.Name));
            if (configMap?.Data?.TryGetValue(configMapKey.Key, out var text) == true)
            {
                return (text, null);
            }

            return (null, AgentResolution.Failed(ConditionReasons.ConfigMapNotFound, configMap is null
                ? $"ConfigMap {configMapKey.Name} (spec.instructionsFrom) does not exist in namespace {ns}"
                : $"ConfigMap {configMapKey.Name} (spec.instructionsFrom) has no key {configMapKey.Key}"));
        }

        var secretKey = from.SecretKeyRef!;
        if (MissingSecretKey(ns, secretKey, "spec.instructionsFrom") is { } problem)
        {
            return (null, problem);
        }

        // The cache holds no secret values; read this one when it is needed.
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(secretKey.Name, ns, cancellationToken: cancellationToken);
            return secret.Data?.TryGetValue(secretKey.Key, out var bytes) == true
                ? (Encoding.UTF8.GetString(bytes), null)
                : (null, AgentResolution.Failed(ConditionReasons.SecretNotFound, $"Secret {secretKey.Name} (spec.instructionsFrom) has no key {secretKey.Key}"));
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return (null, AgentResolution.Failed(ConditionReasons.SecretNotFound, $"Secret {secretKey.Name} (spec.instructionsFrom) does not exist in namespace {ns}"));
        }
    }
}
