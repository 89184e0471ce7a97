namespace MetaEvolve.Crds;

/// <summary>
/// The Agent spec's defaults, defined once: the schema declares them (<c>SchemaDefault</c>) and the workers apply the
/// same values to a stored projection that lacks a field.
/// </summary>
public static class AgentDefaults
{
    public const int MaxIterations = 8;
    public const int MaxTurns = 20;
    public const int TtlSeconds = 86_400;
    public const int ApprovalTimeoutSeconds = 3600;

    public const bool EvolutionEnabled = false;
    public const SkillApproval EvolutionApproval = SkillApproval.Manual;
    public const int MaxAuthoredSkills = 5;
    public const int MaxProposalsPerHour = 20;
    public const bool UseAuthoredSkills = true;

    public const string PricingCurrency = "USD";
}
