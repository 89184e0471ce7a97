namespace MetaEvolve.Crds;

/// <summary>
/// Reasons of the Events about skills agents author and their rollbacks (on the Skill, and on the authoring Agent too);
/// <c>metaevolve skill rollback</c> reads RollbackFailed.
/// </summary>
public static class SkillEvents
{
    /// <summary>The operator took an agent's proposal and wrote the Skill.</summary>
    public const string Proposed = "SkillProposed";

    /// <summary>A person approved the pending digest; it is served.</summary>
    public const string Approved = "SkillApproved";

    /// <summary>A person rejected the pending digest; it is never served.</summary>
    public const string Rejected = "SkillRejected";

    /// <summary>metaevolve.io/rollback-to restored a stored version's spec into the Skill.</summary>
    public const string RolledBack = "SkillRolledBack";

    /// <summary>metaevolve.io/rollback-to named nothing to restore (no such version, or the one served); the spec is unchanged.</summary>
    public const string RollbackFailed = "SkillRollbackFailed";
}
