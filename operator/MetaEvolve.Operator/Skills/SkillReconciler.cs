using System.Text.Json;
using k8s.Models;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Evolution;
using MetaEvolve.Core.Store;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Evolution;
using MetaEvolve.Operator.Runtime;
using Npgsql;

namespace MetaEvolve.Operator.Skills;

/// <summary>
/// Skill → validated with the shared skill code, stored as an immutable version by digest (with the compiled
/// assembly), made the latest, and announced on the config bucket. An invalid edit is never stored, so agents keep
/// the last good version. A skill an agent authored under evolution.approval Manual (<see cref="SkillApprovalGate"/>)
/// waits after validation: its new digest is neither stored nor served until the annotation metaevolve.io/approve
/// names it (metaevolve.io/reject ends it), so no agent — not even one pinning the version — gets it before a person
/// said yes. An Mcp skill is not compiled but asked for its tools (<see cref="McpSkillProbe"/>): published once its server
/// answers, Ready False naming the reason when it does not (retried with backoff), and asked again every
/// <see cref="OperatorOptions.McpProbeInterval"/> while Ready. The annotation metaevolve.io/rollback-to restores a stored version's spec (<see cref="SkillRollback"/>). Deletion waits until no Agent uses the skill, then removes it from the store. A store that cannot be
/// reached gives Ready=False with reason StoreUnavailable, retried with backoff.
/// </summary>
[RequiresPermission(ApiGroup.Group, V1Alpha1Skill.KubePlural, "get,list,watch,patch,update")]
[RequiresPermission(ApiGroup.Group, V1Alpha1Skill.KubePlural + "/status", "get,patch,update")]
public sealed class SkillReconciler(
    ClusterState state,
    SkillVersionRepository store,
    SkillProposalRows proposals,
    SkillValidator validator,
    SkillRollback rollback,
    McpSkillProbe mcpProbe,
    OperatorOptions options,
    ConfigNoticeBoard notices,
    StatusWriter statusWriter,
    Finalizers finalizers,
    EventRecorder events,
    ILogger<SkillReconciler> logger) : IReconciler<V1Alpha1Skill>
{
    private static readonly JsonSerializerOptions FunctionJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Declares the skill controller: a change to a skill reconciles it, and so does an agent letting go of a skill being
    /// deleted, or changing evolution.approval (its authored skills may stop or start waiting for a person).
    /// </summary>
    public Controller<V1Alpha1Skill> SetupWith(ControllerManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        return manager.For<V1Alpha1Skill>()
            // Deletion waits for the last agent using the skill; the agent's previous version still lists it.
            .Watches<V1Alpha1Agent>(agent => (agent.Spec.Skills ?? [])
                .Select(reference => new ObjectKey(agent.Metadata.NamespaceProperty ?? "", reference.Name))
                .Where(key => state.Skills.Get(key) is { } skill && Finalizers.IsDeleting(skill)))
            // An Mcp skill's header Secret decides, by its presence and label, whether the skill can reach its server.
            .Watches<V1Secret>(secret => state.Skills.List(secret.Metadata.NamespaceProperty)
                .Where(skill => (skill.Spec.Mcp?.HeadersFrom ?? []).Any(h => h.SecretKeyRef.Name == secret.Metadata.Name))
                .Select(skill => ObjectKey.Of(skill)))
            .Watches<V1Alpha1Agent>(agent => state.Skills.List(agent.Metadata.NamespaceProperty)
                    .Where(skill => SkillApprovalGate.Author(skill) == agent.Metadata.Name)
                    .Select(skill => ObjectKey.Of(skill)),
                when: change => change.Previous is null || change.Type == k8s.WatchEventType.Deleted
                    || change.Previous.Spec.Evolution?.Approval != change.Current.Spec.Evolution?.Approval)
            .Complete(this);
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, V1Alpha1Skill? skill, CancellationToken cancellationToken)
    {
        if (skill is null)
        {
            return ReconcileResult.Done;
        }

        if (Finalizers.IsDeleting(skill))
        {
            await DeleteAsync(key, skill, cancellationToken);
            return ReconcileResult.Done;
        }

        skill = await finalizers.AddAsync(skill, cancellationToken);
        state.Skills.Remember(skill);
        var author = SkillApprovalGate.Author(skill) is { } authorName ? state.Agents.Get(new ObjectKey(key.Namespace, authorName)) : null;
        if (SkillRollback.Requested(skill) is { } version)
        {
            // The update is a watch event: the next reconcile publishes the restored spec.
            await rollback.ApplyAsync(key, skill, version, author, cancellationToken);
            return ReconcileResult.Done;
        }

        var digest = SkillSpecDigest.Compute(skill.Spec);
        if (skill.Spec.Type == SkillType.Mcp)
        {
            return await ReconcileMcpAsync(key, skill, digest, cancellationToken);
        }

        V1Alpha1SkillStatus status;
        var gated = SkillApprovalGate.Applies(skill, author);
        if (AlreadyRejected(skill, digest) || (gated && SkillApprovalGate.AlreadyAnswered(skill, digest)))
        {
            // Same rejected (or still waiting) spec as last time: compiling it again would only give the same answer.
            return ReconcileResult.Done;
        }

        try
        {
            status = await ValidateAndPublishAsync(key, skill, digest, gated, cancellationToken);
        }
        catch (NpgsqlException exception)
        {
            await WriteStatusAsync(skill, SkillStatusBuilder.StoreUnavailable(skill, $"the store could not be read or written: {exception.Message}", DateTime.UtcNow), cancellationToken);
            // No watch event announces the store's recovery: retry with backoff.
            throw new TransientException($"store, skill {key}: {exception.Message}", exception);
        }

        await WriteStatusAsync(skill, status, cancellationToken);
        return ReconcileResult.Done;
    }

    /// <summary>
    /// The server's tools become status.functions and the version (its configuration; the tools are the server's) is
    /// stored by digest and announced. A server that does not answer is retried with backoff: no watch event announces
    /// its recovery. A missing or refused Secret waits for the Secret's watch event.
    /// </summary>
    private async Task<ReconcileResult> ReconcileMcpAsync(ObjectKey key, V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        var probe = await mcpProbe.ProbeAsync(skill, cancellationToken);
        if (!probe.Answered)
        {
            logger.LogInformation("Skill {Skill} not ready: {Reason}", key, probe.Reason);
            await WriteStatusAsync(skill, SkillStatusBuilder.McpNotReady(skill, digest, probe.Reason!, probe.Message, DateTime.UtcNow), cancellationToken);
            return probe.Reason == ConditionReasons.McpServerUnavailable
                ? throw new TransientException($"skill {key}: {probe.Message}")
                : ReconcileResult.Done;
        }

        // A Ready skill is asked every probe interval: only a new digest, or a skill coming back, is written again.
        var current = skill.Status?.PublishedDigest == digest && skill.Status.ObservedGeneration == skill.Metadata.Generation
            && Conditions.Find(skill.Status.Conditions, ConditionTypes.Ready)?.Status == Conditions.True;
        try
        {
            if (!current)
            {
                await PublishAsync(key, skill, digest, probe.Functions, null, cancellationToken);
                await notices.AnnounceAsync(ConfigNotices.SkillKey(key.Namespace, key.Name), digest, cancellationToken);
            }
        }
        catch (NpgsqlException exception)
        {
            await WriteStatusAsync(skill, SkillStatusBuilder.StoreUnavailable(skill, $"the store could not be read or written: {exception.Message}", DateTime.UtcNow), cancellationToken);
            throw new TransientException($"store, skill {key}: {exception.Message}", exception);
        }

        await WriteStatusAsync(skill, SkillStatusBuilder.McpPublished(skill, digest, probe.Functions, probe.Message, DateTime.UtcNow), cancellationToken);
        return options.McpProbeInterval > TimeSpan.Zero ? new ReconcileResult(options.McpProbeInterval) : ReconcileResult.Done;
    }

    /// <param name="gated">The skill's new digests wait for a person (<see cref="SkillApprovalGate.Applies"/>).</param>
    private async Task<V1Alpha1SkillStatus> ValidateAndPublishAsync(ObjectKey key, V1Alpha1Skill skill, string digest, bool gated, CancellationToken cancellationToken)
    {
        var decision = gated ? SkillApprovalGate.Decision(skill, digest) : ApprovalDecision.None;
        var stored = await store.FindByDigestAsync(key.Namespace, key.Name, digest, cancellationToken);
        IReadOnlyList<SkillFunctionInfo> functions;
        if (stored is null)
        {
            if (decision == ApprovalDecision.Reject)
            {
                return await RejectApprovalAsync(key, skill, digest, cancellationToken);
            }

            var validation = await validator.ValidateAsync(skill, digest, cancellationToken);
            if (!validation.Succeeded)
            {
                logger.LogInformation("Skill {Skill} rejected: {Reason} with {Count} diagnostics", key, validation.Reason, validation.Diagnostics.Count);
                return SkillStatusBuilder.Rejected(skill, digest, validation, DateTime.UtcNow);
            }

            if (gated && decision != ApprovalDecision.Approve)
            {
                // Stored only once approved: a stored version is one an agent pinning its spec.version may get.
                logger.LogInformation("Skill {Skill} version {Version} ({Digest}) awaits approval", key, skill.Spec.Version, digest);
                return SkillStatusBuilder.AwaitingApproval(skill, digest, DateTime.UtcNow);
            }

            functions = validation.Functions;
            await PublishAsync(key, skill, digest, functions, validation.Assembly, cancellationToken);
        }
        else
        {
            functions = JsonSerializer.Deserialize<List<SkillFunctionInfo>>(stored.FunctionsJson, FunctionJson) ?? [];
            // Stored before (an unchanged spec, an edit reverted to an earlier version, or one approved already): make
            // it the latest again.
            await PublishAsync(key, skill, digest, functions, null, cancellationToken);
        }

        await notices.AnnounceAsync(ConfigNotices.SkillKey(key.Namespace, key.Name), digest, cancellationToken);
        var approval = decision == ApprovalDecision.Approve ? await ApproveAsync(key, skill, digest, cancellationToken) : null;
        return SkillStatusBuilder.Published(skill, digest, functions, DateTime.UtcNow, approval);
    }

    /// <summary>The approved digest is served: the proposal ends Published, and the approval is news once.</summary>
    private async Task<SkillApprovalStatus> ApproveAsync(ObjectKey key, V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        var by = SkillApprovalGate.DecidedBy(skill);
        var approval = SkillStatusBuilder.Decided(skill, SkillApprovalState.Approved, digest, by, DateTime.UtcNow);
        await proposals.DecideAsync(key.Namespace, key.Name, ProposalStates.Published, by, null, cancellationToken);
        if (skill.Status?.Approval is not { State: SkillApprovalState.Approved } previous || previous.Digest != digest)
        {
            logger.LogInformation("Skill {Skill} version {Version} ({Digest}) approved by {By}", key, skill.Spec.Version, digest, by ?? "someone");
            var news = $"version {skill.Spec.Version} ({digest}) approved{(by is null ? "" : $" by {by}")} and published";
            await events.RecordAsync(skill, EventRecorder.Normal, SkillEvents.Approved, news, cancellationToken);
            await RecordOnAuthorAsync(key, skill, EventRecorder.Normal, SkillEvents.Approved, news, cancellationToken);
        }

        return approval;
    }

    /// <summary>The authoring Agent hears of a decision on its skill too (<c>kubectl describe agent</c> shows it).</summary>
    private async Task RecordOnAuthorAsync(ObjectKey key, V1Alpha1Skill skill, string type, string reason, string news, CancellationToken cancellationToken)
    {
        if (SkillApprovalGate.Author(skill) is { } author && state.Agents.Get(new ObjectKey(key.Namespace, author)) is { } agent)
        {
            await events.RecordAsync(agent, type, reason, $"Skill {key.Name}: {news}", cancellationToken);
        }
    }

    /// <summary>The rejected digest is never stored or served: the proposal ends Rejected, and the rejection is news once.</summary>
    private async Task<V1Alpha1SkillStatus> RejectApprovalAsync(ObjectKey key, V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        var by = SkillApprovalGate.DecidedBy(skill);
        var message = $"rejected{(by is null ? "" : $" by {by}")} with the annotation {Crds.Labels.AuthoredSkillKeys.Reject}";
        await proposals.DecideAsync(key.Namespace, key.Name, ProposalStates.Rejected, by, message, cancellationToken);
        if (skill.Status?.Approval is not { State: SkillApprovalState.Rejected } previous || previous.Digest != digest)
        {
            logger.LogInformation("Skill {Skill} version {Version} ({Digest}) rejected by {By}", key, skill.Spec.Version, digest, by ?? "someone");
            var news = $"version {skill.Spec.Version} ({digest}) {message}";
            await events.RecordAsync(skill, EventRecorder.Warning, SkillEvents.Rejected, news, cancellationToken);
            await RecordOnAuthorAsync(key, skill, EventRecorder.Warning, SkillEvents.Rejected, news, cancellationToken);
        }

        return SkillStatusBuilder.ApprovalRejected(skill, digest, by, DateTime.UtcNow);
    }

    private static bool AlreadyRejected(V1Alpha1Skill skill, string digest) =>
        skill.Status?.Digest == digest
        && skill.Status.ObservedGeneration == skill.Metadata.Generation
        && Conditions.Find(skill.Status.Conditions, ConditionTypes.Validated)?.Status == Conditions.False;

    private async Task PublishAsync(ObjectKey key, V1Alpha1Skill skill, string digest, IReadOnlyList<SkillFunctionInfo> functions, byte[]? assembly, CancellationToken cancellationToken)
    {
        var moved = await store.PublishAsync(key.Namespace, key.Name, skill.Spec.Version ?? SkillDefaults.Version, digest, skill.Spec.Type.ToString(),
            SkillSpecDigest.Json(skill.Spec).ToJsonString(), JsonSerializer.Serialize(functions, FunctionJson), assembly, cancellationToken);
        if (moved)
        {
            logger.LogInformation("Published skill {Skill} version {Version} as {Digest}", key, skill.Spec.Version, digest);
        }
    }

    private async Task DeleteAsync(ObjectKey key, V1Alpha1Skill skill, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(skill))
        {
            return;
        }

        var users = state.AgentsUsingSkill(key);
        if (users.Count > 0)
        {
            // The agents' deletion (or edit) is a watch event that requeues this skill.
            await WriteStatusAsync(skill, SkillStatusBuilder.InUse(skill, [.. users.Select(a => a.Metadata.Name)], DateTime.UtcNow), cancellationToken);
            return;
        }

        await store.DeleteAsync(key.Namespace, key.Name, cancellationToken);
        await notices.WithdrawAsync(ConfigNotices.SkillKey(key.Namespace, key.Name), cancellationToken);
        await finalizers.RemoveAsync(skill, cancellationToken);
        logger.LogInformation("Removed skill {Skill} from the store", key);
    }

    private async Task WriteStatusAsync(V1Alpha1Skill skill, V1Alpha1SkillStatus status, CancellationToken cancellationToken)
    {
        if (await statusWriter.WriteIfChangedAsync(skill, status, cancellationToken) is { } written)
        {
            state.Skills.Remember(written);
            await events.RecordTransitionsAsync(skill, skill.Status?.Conditions, status.Conditions!, cancellationToken);
        }
    }
}
