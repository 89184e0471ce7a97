using k8s;
using MetaEvolve.Core.Skills.Evolution;
using MetaEvolve.Core.Store;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;
using MetaEvolve.Operator.Evolution;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Skills;

/// <summary>
/// The annotation metaevolve.io/rollback-to on a Skill (<c>metaevolve skill rollback</c> writes it): the stored version it
/// names — or, with <c>previous</c>, the version stored before the one served now — has its spec written back into the
/// Skill, in the same update that removes the annotation, so it acts once. The restored spec is a real spec change that
/// <c>kubectl diff</c> and GitOps see; the skill controller then finds its digest in the store and serves it again with no
/// compile and no new approval (only approved versions are ever stored). A version waiting for approval is abandoned.
/// Nothing to restore leaves the spec alone and says why in a SkillRollbackFailed event.
/// </summary>
public sealed class SkillRollback(IKubernetes client, SkillVersionRepository store, SkillProposalRows proposals, EventRecorder events, ILogger<SkillRollback> logger)
{
    /// <summary>The version asked for (<see cref="AuthoredSkillKeys.RollbackToPrevious"/> for the previous one), or null.</summary>
    public static string? Requested(V1Alpha1Skill skill) =>
        skill?.Metadata.Annotations is { } annotations && annotations.TryGetValue(AuthoredSkillKeys.RollbackTo, out var to) ? to.Trim() : null;

    /// <param name="author">The Agent that authored the skill, if any: it hears of the rollback too.</param>
    public async Task ApplyAsync(ObjectKey key, V1Alpha1Skill skill, string requested, V1Alpha1Agent? author, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var previous = requested is "" or AuthoredSkillKeys.RollbackToPrevious;
        var target = await store.FindSpecAsync(key.Namespace, key.Name, previous ? null : requested, cancellationToken);
        var current = SkillSpecDigest.Compute(skill.Spec);
        var refusal = target switch
        {
            null when previous => $"no version of skill {key.Name} was stored before the one served now",
            null => $"version {requested} of skill {key.Name} was never published; stored: {string.Join(", ", await store.StoredVersionsAsync(key.Namespace, key.Name, cancellationToken))}",
            _ when target.Digest == current => $"the spec already holds version {target.Version} ({target.Digest})",
            _ => null,
        };

        // A copy: the one passed in is the cache's.
        var desired = KubernetesJson.Deserialize<V1Alpha1Skill>(KubernetesJson.Serialize(skill));
        desired.Metadata.Annotations.Remove(AuthoredSkillKeys.RollbackTo);
        if (refusal is not null)
        {
            await ReplaceAsync(desired, cancellationToken);
            logger.LogInformation("Rollback of skill {Skill} to {Requested} refused: {Refusal}", key, requested, refusal);
            await events.RecordAsync(skill, EventRecorder.Warning, SkillEvents.RollbackFailed, refusal, cancellationToken);
            return;
        }

        var from = $"{skill.Spec.Version} ({current})";
        desired.Spec = KubernetesJson.Deserialize<V1Alpha1SkillSpec>(target!.SpecJson);
        await ReplaceAsync(desired, cancellationToken);
        var news = $"rolled back from version {from} to {target.Version} ({target.Digest})";
        if (await proposals.DecideAsync(key.Namespace, key.Name, ProposalStates.Rejected, null,
            $"abandoned: the skill was rolled back to version {target.Version} before anyone approved this one", cancellationToken) > 0)
        {
            news += "; the version waiting for approval is abandoned";
        }

        logger.LogInformation("Skill {Skill} {News}", key, news);
        await events.RecordAsync(skill, EventRecorder.Normal, SkillEvents.RolledBack, news, cancellationToken);
        if (author is not null)
        {
            await events.RecordAsync(author, EventRecorder.Normal, SkillEvents.RolledBack, $"Skill {key.Name}: {news}", cancellationToken);
        }
    }

    /// <summary>An update with the resourceVersion read: a concurrent edit is a conflict, and the reconcile is retried.</summary>
    private Task<V1Alpha1Skill> ReplaceAsync(V1Alpha1Skill skill, CancellationToken cancellationToken) =>
        client.CustomObjects.ReplaceNamespacedCustomObjectAsync<V1Alpha1Skill>(skill, ApiGroup.Group, ApiGroup.Version,
            skill.Metadata.NamespaceProperty, V1Alpha1Skill.KubePlural, skill.Metadata.Name, cancellationToken: cancellationToken);
}
