using k8s.Models;
using MetaEvolve.Core.Skills.Evolution;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;
using MetaEvolve.Operator.Skills;

namespace MetaEvolve.Operator.Evolution;

/// <summary>Why a proposal may not take a Skill's name (the reasons skill_proposals allows for Refused).</summary>
public sealed record NameRefusal(string Reason, string Message);

/// <summary>
/// The Skill object an agent's proposal becomes, and whose a Skill's name is. Pure: the existing Skill, as the API
/// server has it, is passed in.
/// </summary>
public static class AuthoredSkill
{
    /// <summary>Null when <paramref name="agent"/> may write the Skill: it does not exist yet, or that agent authored it.</summary>
    public static NameRefusal? Refusal(V1Alpha1Skill? existing, string agent)
    {
        if (existing is null)
        {
            return null;
        }

        var name = existing.Metadata.Name;
        return SkillApprovalGate.Author(existing) is { } author
            ? author == agent ? null : new NameRefusal(ProposalRefusals.NameOwnedByOtherAgent, $"Skill {name} was authored by agent {author}")
            : new NameRefusal(ProposalRefusals.NameOwnedByHuman, $"Skill {name} was written by a person; agents may not replace it");
    }

    /// <summary>How many Skills of the namespace <paramref name="agent"/> authored (its evolution.maxAuthoredSkills counts them).</summary>
    public static int CountAuthoredBy(IEnumerable<V1Alpha1Skill> skills, string agent) =>
        (skills ?? []).Count(s => SkillApprovalGate.Author(s) == agent);

    /// <summary>
    /// The Skill to write: the proposal's spec with the origin naming the proposing agent (whatever the spec said) and
    /// the label metaevolve.io/authored-by. An existing Skill keeps its other metadata and its resourceVersion, so the
    /// write fails on a concurrent change instead of overwriting it.
    /// </summary>
    public static V1Alpha1Skill Desired(string ns, string name, string agent, V1Alpha1SkillSpec spec, V1Alpha1Skill? existing)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Origin = new SkillOrigin { AuthoredBy = SkillAuthor.Agent, AgentRef = new LocalObjectReference { Name = agent } };
        var labels = new Dictionary<string, string>(existing?.Metadata.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            [AuthoredSkillKeys.AuthoredBy] = agent,
        };
        return new V1Alpha1Skill
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = labels,
                Annotations = existing?.Metadata.Annotations,
                Finalizers = existing?.Metadata.Finalizers,
                OwnerReferences = existing?.Metadata.OwnerReferences,
                ResourceVersion = existing?.Metadata.ResourceVersion,
                Generation = existing?.Metadata.Generation,
            },
            Spec = spec,
            // Ignored by the API server (status is a subresource); kept so the object reads as it is.
            Status = existing?.Status ?? new V1Alpha1SkillStatus(),
        };
    }
}
