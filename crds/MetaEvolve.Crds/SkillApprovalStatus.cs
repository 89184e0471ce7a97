using System.ComponentModel;

namespace MetaEvolve.Crds;

/// <summary>Where a person's decision on an authored skill's digest stands.</summary>
public enum SkillApprovalState
{
    /// <summary>Validated and waiting: the digest is not served until someone approves it.</summary>
    Pending,

    /// <summary>Approved with the annotation metaevolve.io/approve: the digest is served.</summary>
    Approved,

    /// <summary>Rejected with the annotation metaevolve.io/reject: the digest is never served.</summary>
    Rejected,
}

public sealed class SkillApprovalStatus
{
    [Description("Pending, Approved or Rejected.")]
    public SkillApprovalState? State { get; set; }

    [Description("The digest the decision is about; annotate metaevolve.io/approve or metaevolve.io/reject with it.")]
    public string? Digest { get; set; }

    [Description("Who decided, from the annotation metaevolve.io/approved-by, when given.")]
    public string? By { get; set; }

    [Description("When the digest began to wait, or when it was decided.")]
    public DateTime? At { get; set; }
}
