using System.ComponentModel;
using k8s.Models;

namespace MetaEvolve.Crds;

public sealed class V1Alpha1AgentStatus
{
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [Description("sha256 of the agent as projected into the store; workers reload when it changes.")]
    public string? Digest { get; set; }

    [Description("The skill versions the agent currently uses.")]
    public IList<ResolvedSkill>? ResolvedSkills { get; set; }

    [Description("Current state: Ready, with reasons such as PoolNotFound, SkillNotFound, SkillNotReady, SecretNotFound or SecretNotAllowed.")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class ResolvedSkill
{
    [Description("Skill name.")]
    public string? Name { get; set; }

    [Description("Skill spec.version in use.")]
    public string? Version { get; set; }

    [Description("sha256 digest of the stored skill version in use.")]
    public string? Digest { get; set; }
}
