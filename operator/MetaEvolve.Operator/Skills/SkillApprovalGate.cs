using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;

namespace MetaEvolve.Operator.Skills;

/// <summary>What a person decided about a digest, read from the Skill's annotations.</summary>
public enum ApprovalDecision
{
    None,
    Approve,
    Reject,
}

/// <summary>
/// Whether a Skill's new digest waits for a person before it is served, and what the person decided. Pure: the
/// authoring Agent is passed in. A skill an agent authored (spec.origin.authoredBy Agent) waits when that agent's
/// evolution.approval is Manual — or when the agent is gone, since nobody then chose Auto. Human-authored skills and
/// those of agents with approval Auto never wait.
/// </summary>
public static class SkillApprovalGate
{
    public static string? Author(V1Alpha1Skill skill) =>
        skill?.Spec.Origin is { AuthoredBy: SkillAuthor.Agent, AgentRef.Name: { Length: > 0 } agent } ? agent : null;

    public static bool Applies(V1Alpha1Skill skill, V1Alpha1Agent? author) =>
        Author(skill) is not null && (author?.Spec.Evolution?.Approval ?? AgentDefaults.EvolutionApproval) == SkillApproval.Manual;

    /// <summary>Approve or Reject only when the annotation names <paramref name="digest"/>; a decision about another digest is none.</summary>
    public static ApprovalDecision Decision(V1Alpha1Skill skill, string digest)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var annotations = skill.Metadata.Annotations;
        if (annotations is null)
        {
            return ApprovalDecision.None;
        }

        // Both naming the digest: rejecting is the safe reading.
        if (annotations.TryGetValue(AuthoredSkillKeys.Reject, out var rejected) && rejected.Trim() == digest)
        {
            return ApprovalDecision.Reject;
        }

        return annotations.TryGetValue(AuthoredSkillKeys.Approve, out var approved) && approved.Trim() == digest
            ? ApprovalDecision.Approve
            : ApprovalDecision.None;
    }

    public static string? DecidedBy(V1Alpha1Skill skill) =>
        skill?.Metadata.Annotations is { } annotations && annotations.TryGetValue(AuthoredSkillKeys.ApprovedBy, out var by) && !string.IsNullOrWhiteSpace(by)
            ? by.Trim()
            : null;

    /// <summary>
    /// True when the status already answers this spec and nothing was decided since: validating again would only give the
    /// same answer (the digest still waits, or it was rejected).
    /// </summary>
    public static bool AlreadyAnswered(V1Alpha1Skill skill, string digest)
    {
        ArgumentNullException.ThrowIfNull(skill);
        if (skill.Status?.Approval is not { } approval || approval.Digest != digest || skill.Status.ObservedGeneration != skill.Metadata.Generation)
        {
            return false;
        }

        return approval.State switch
        {
            SkillApprovalState.Pending => Decision(skill, digest) == ApprovalDecision.None,
            SkillApprovalState.Rejected => Decision(skill, digest) != ApprovalDecision.Approve,
            _ => false,
        };
    }
}
