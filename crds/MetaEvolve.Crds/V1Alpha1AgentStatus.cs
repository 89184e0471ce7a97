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

    [Description("Model usage of the agent today (UTC), summed over all workers, refreshed at most every 30 seconds.")]
    public AgentUsage? Usage { get; set; }

    [Description("Current state: Ready, with reasons such as PoolNotFound, SkillNotFound, SkillNotReady, SecretNotFound or SecretNotAllowed; BudgetExceeded while a daily budget is used up.")]
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

public sealed class AgentUsage
{
    [Description("The UTC day counted, yyyy-MM-dd; the counters start again at 00:00 UTC.")]
    public string? Day { get; set; }

    [Description("Model tokens (input + output) the agent used that day.")]
    public long? Tokens { get; set; }

    [Description("What those tokens cost, in the currency of spec.model.pricing; absent without prices.")]
    public double? Cost { get; set; }
}
