namespace MetaEvolve.Crds.Labels;

/// <summary>
/// The label on a Skill an agent authored and the annotations a person decides with, when the agent's
/// evolution.approval is Manual. Values of approve and reject are the digest decided on (status.approval.digest),
/// so a decision never applies to a version nobody looked at. Rollback works on any Skill, authored or not.
/// </summary>
public static class AuthoredSkillKeys
{
    /// <summary>Label: the name of the Agent that authored the Skill.</summary>
    public const string AuthoredBy = ApiGroup.Group + "/authored-by";

    /// <summary>Annotation: approves the pending digest it names.</summary>
    public const string Approve = ApiGroup.Group + "/approve";

    /// <summary>Annotation: rejects the pending digest it names.</summary>
    public const string Reject = ApiGroup.Group + "/reject";

    /// <summary>Annotation, optional: who approved or rejected.</summary>
    public const string ApprovedBy = ApiGroup.Group + "/approved-by";

    /// <summary>
    /// Annotation: restore this stored version's spec into the Skill (<see cref="RollbackToPrevious"/>: the version stored
    /// before the one served now). The operator acts once and removes it.
    /// </summary>
    public const string RollbackTo = ApiGroup.Group + "/rollback-to";

    /// <summary>The <see cref="RollbackTo"/> value that steps back one version.</summary>
    public const string RollbackToPrevious = "previous";
}
