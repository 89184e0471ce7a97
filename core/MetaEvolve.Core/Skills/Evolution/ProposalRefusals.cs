namespace MetaEvolve.Core.Skills.Evolution;

/// <summary>Why a worker refused a proposal without checking its content (<c>skill_proposals.reason</c>).</summary>
public static class ProposalRefusals
{
    public const string QuotaExceeded = "QuotaExceeded";
    public const string RateLimited = "RateLimited";
    public const string TooLarge = "TooLarge";
    public const string NameOwnedByHuman = "NameOwnedByHuman";
    public const string NameOwnedByOtherAgent = "NameOwnedByOtherAgent";
}
