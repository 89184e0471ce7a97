using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using MetaEvolve.Core.Skills.Evolution;
using MetaEvolve.Core.Store;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Hosting;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Skills;

namespace MetaEvolve.Operator.Evolution;

/// <summary>
/// Takes the proposals workers recorded as Accepted in skill_proposals, while this instance leads: validates each again
/// with the operator's <see cref="SkillValidator"/> (policy, compiler, declared tests — the operator is the one that
/// decides and the only one that stores compiled code), checks the name against the Skills in the cluster, writes the
/// Skill (spec.origin and the label name the agent), and moves the row: Published when the agent's evolution.approval is
/// Auto (the skill controller stores and announces it), PendingApproval when Manual, Rejected or Refused otherwise.
/// Workers wait on the row for about 20 s, so it is polled every 250 ms through the partial index of Accepted rows.
/// </summary>
[RequiresPermission(ApiGroup.Group, V1Alpha1Skill.KubePlural, "create,get,update")]
public sealed class SkillProposalIntake(
    LeaderState leader,
    SkillProposalRows rows,
    SkillVersionRepository versions,
    SkillValidator validator,
    IKubernetes client,
    EventRecorder events,
    ILogger<SkillProposalIntake> logger) : BackgroundService
{
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private const int Batch = 16;

    // A row whose handling failed (API server or store away, a conflicting write) is tried again after this.
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(2);
    private readonly Dictionary<Guid, DateTime> _retryAt = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Poll);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // The ownership and quota checks read the leader's caches: wait until they hold a full list.
                if (leader.Manager is not { State.Synced: true } manager)
                {
                    continue;
                }

                try
                {
                    await TakeAsync(manager.State, stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Could not read skill proposals; trying again");
                    await Task.Delay(RetryAfterFailure, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TakeAsync(ClusterState state, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        // Rows that failed and were then taken by another leader (or are gone) are forgotten.
        foreach (var stale in _retryAt.Where(p => p.Value < now - TimeSpan.FromMinutes(1)).Select(p => p.Key).ToList())
        {
            _retryAt.Remove(stale);
        }

        foreach (var proposal in await rows.AcceptedAsync(Batch, cancellationToken))
        {
            if (_retryAt.TryGetValue(proposal.Id, out var retry) && retry > now)
            {
                continue;
            }

            try
            {
                await HandleAsync(state, proposal, cancellationToken);
                _retryAt.Remove(proposal.Id);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Could not take proposal {Id} of skill {Namespace}/{Skill} by agent {Agent}; trying again",
                    proposal.Id, proposal.Namespace, proposal.Skill, proposal.Agent);
                _retryAt[proposal.Id] = now + RetryAfterFailure;
            }
        }
    }

    private async Task HandleAsync(ClusterState state, AcceptedProposal proposal, CancellationToken cancellationToken)
    {
        var (ns, name) = (proposal.Namespace, proposal.Skill);
        var agent = state.Agents.Get(new ObjectKey(ns, proposal.Agent));
        var evolution = agent?.Spec.Evolution;
        if (agent is null || evolution is not { Enabled: true })
        {
            await FinishAsync(proposal, ProposalStates.Rejected, null,
                agent is null ? $"agent {proposal.Agent} does not exist in namespace {ns}" : $"agent {proposal.Agent} has evolution.enabled false", null, cancellationToken);
            return;
        }

        V1Alpha1SkillSpec spec;
        try
        {
            spec = KubernetesJson.Deserialize<V1Alpha1SkillSpec>(proposal.SpecJson) ?? throw new JsonException("the spec is null");
        }
        catch (JsonException exception)
        {
            await FinishAsync(proposal, ProposalStates.Rejected, null, $"spec is not a Skill spec: {exception.Message}", null, cancellationToken);
            return;
        }

        var existing = await ReadAsync(ns, name, cancellationToken);
        var refusal = AuthoredSkill.Refusal(existing, proposal.Agent);
        var quota = evolution.MaxAuthoredSkills ?? AgentDefaults.MaxAuthoredSkills;
        if (refusal is null && existing is null && AuthoredSkill.CountAuthoredBy(state.Skills.List(ns), proposal.Agent) >= quota)
        {
            refusal = new NameRefusal(ProposalRefusals.QuotaExceeded, $"agent {proposal.Agent} has authored {quota} skills, its evolution.maxAuthoredSkills");
        }

        if (refusal is not null)
        {
            await FinishAsync(proposal, ProposalStates.Refused, refusal.Reason, refusal.Message, null, cancellationToken);
            return;
        }

        var desired = AuthoredSkill.Desired(ns, name, proposal.Agent, spec, existing);
        var validation = await validator.ValidateAsync(desired, SkillSpecDigest.Compute(desired.Spec), cancellationToken);
        if (!validation.Succeeded)
        {
            var diagnostics = KubernetesJson.Serialize(validation.Diagnostics.Select(d => SkillStatusBuilder.ToStatus(d)).ToList());
            var first = validation.Diagnostics.Count > 0 ? validation.Diagnostics[0] : null;
            await FinishAsync(proposal, ProposalStates.Rejected, validation.Reason,
                first is null ? "the skill does not validate" : $"line {first.Line}, column {first.Column}: {first.Code}: {first.Message}", diagnostics, cancellationToken);
            return;
        }

        V1Alpha1Skill written;
        try
        {
            written = await WriteAsync(desired, existing is null, cancellationToken);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.UnprocessableEntity)
        {
            // The Skill schema (names, version pattern, CEL rules) refused it.
            await FinishAsync(proposal, ProposalStates.Rejected, null, $"the API server refused the Skill: {exception.Response.Content}", null, cancellationToken);
            return;
        }

        // The digest as the skill controller computes it: over the spec the API server stored, defaults applied.
        var digest = SkillSpecDigest.Compute(written.Spec);
        var waits = (evolution.Approval ?? AgentDefaults.EvolutionApproval) == SkillApproval.Manual
            && await versions.FindByDigestAsync(ns, name, digest, cancellationToken) is null;
        // The Skill holds one spec: an older proposal still waiting can no longer be approved.
        await rows.SupersedeAsync(ns, name, proposal.Id, cancellationToken);
        var message = waits
            ? $"Skill {name} version {spec.Version} ({digest}) awaits approval: annotate {Crds.Labels.AuthoredSkillKeys.Approve}={digest}"
            : $"Skill {name} version {spec.Version} ({digest}) is published";

        if (await rows.HandleAsync(proposal.Id, waits ? ProposalStates.PendingApproval : ProposalStates.Published, null, message, null, cancellationToken))
        {
            logger.LogInformation("Took proposal {Id}: {Message}", proposal.Id, message);
            var news = $"agent {proposal.Agent} proposed version {spec.Version} ({digest}); {(waits ? "it awaits approval" : "it is published")}";
            await events.RecordAsync(written, EventRecorder.Normal, SkillEvents.Proposed, news, cancellationToken);
            await events.RecordAsync(agent, EventRecorder.Normal, SkillEvents.Proposed, $"Skill {name}: {news}", cancellationToken);
        }
    }

    private async Task FinishAsync(AcceptedProposal proposal, string state, string? reason, string message, string? diagnostics, CancellationToken cancellationToken)
    {
        if (await rows.HandleAsync(proposal.Id, state, reason, message, diagnostics, cancellationToken))
        {
            logger.LogInformation("Proposal {Id} of skill {Namespace}/{Skill} by agent {Agent}: {State} {Reason}: {Message}",
                proposal.Id, proposal.Namespace, proposal.Skill, proposal.Agent, state, reason, message);
        }
    }

    private async Task<V1Alpha1Skill?> ReadAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CustomObjects.GetNamespacedCustomObjectAsync<V1Alpha1Skill>(ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1Skill.KubePlural, name, cancellationToken);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Creates the Skill, or replaces the one read (its resourceVersion makes a concurrent change a conflict, retried).</summary>
    private Task<V1Alpha1Skill> WriteAsync(V1Alpha1Skill desired, bool create, CancellationToken cancellationToken) => create
        ? client.CustomObjects.CreateNamespacedCustomObjectAsync<V1Alpha1Skill>(desired, ApiGroup.Group, ApiGroup.Version,
            desired.Metadata.NamespaceProperty, V1Alpha1Skill.KubePlural, cancellationToken: cancellationToken)
        : client.CustomObjects.ReplaceNamespacedCustomObjectAsync<V1Alpha1Skill>(desired, ApiGroup.Group, ApiGroup.Version,
            desired.Metadata.NamespaceProperty, V1Alpha1Skill.KubePlural, desired.Metadata.Name, cancellationToken: cancellationToken);
}
