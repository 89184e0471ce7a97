namespace MetaEvolve.Operator.Skills;

/// <summary>Reasons of the Events about skills agents author (on the Skill, and for proposals on the Agent too).</summary>
public static class SkillEvents
{
    /// <summary>The operator took an agent's proposal and wrote the Skill.</summary>
    public const string Proposed = "SkillProposed";

    /// <summary>A person approved the pending digest; it is served.</summary>
    public const string Approved = "SkillApproved";

    /// <summary>A person rejected the pending digest; it is never served.</summary>
    public const string Rejected = "SkillRejected";
}
