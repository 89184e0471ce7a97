namespace MetaEvolve.Core.Skills.Evolution;

/// <summary>
/// The states of a row of <c>skill_proposals</c>. A worker writes Refused, Rejected or Accepted; the operator moves an
/// Accepted row on to PendingApproval, Published or Rejected.
/// </summary>
public static class ProposalStates
{
    public const string Refused = "Refused";
    public const string Rejected = "Rejected";
    public const string Accepted = "Accepted";
    public const string PendingApproval = "PendingApproval";
    public const string Published = "Published";

    /// <summary>States of a proposal that passed the worker's checks: its name counts as authored by the agent.</summary>
    public static readonly IReadOnlyList<string> Passed = [Accepted, PendingApproval, Published];
}
