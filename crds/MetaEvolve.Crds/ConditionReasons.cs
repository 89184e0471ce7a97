namespace MetaEvolve.Crds;

/// <summary>Machine-readable reasons (`status.conditions[].reason`), UpperCamelCase as the API conventions ask.</summary>
public static class ConditionReasons
{
    public const string Reconciled = "Reconciled";
    public const string Progressing = "Progressing";
    public const string Suspended = "Suspended";

    public const string PoolNotFound = "PoolNotFound";
    public const string SkillNotFound = "SkillNotFound";
    public const string SkillNotReady = "SkillNotReady";
    public const string SkillVersionNotFound = "SkillVersionNotFound";
    public const string SecretNotFound = "SecretNotFound";

    /// <summary>An Agent names a Secret it may not use: not labelled metaevolve.io/agent-secret "true", or operator-managed.</summary>
    public const string SecretNotAllowed = "SecretNotAllowed";
    public const string ConfigMapNotFound = "ConfigMapNotFound";

    public const string TemplateInvalid = "TemplateInvalid";
    public const string PolicyViolation = "PolicyViolation";
    public const string CompilationFailed = "CompilationFailed";
    public const string TestsFailed = "TestsFailed";
    public const string StoreUnavailable = "StoreUnavailable";

    /// <summary>Skill Ready False: the Mcp skill's server did not answer (connect, initialize or list tools), retried with backoff.</summary>
    public const string McpServerUnavailable = "McpServerUnavailable";
    public const string InUse = "InUse";

    /// <summary>Skill Published False: an authored digest under manual approval waits for metaevolve.io/approve.</summary>
    public const string AwaitingApproval = "AwaitingApproval";

    /// <summary>Skill Published False: someone rejected the authored digest with metaevolve.io/reject.</summary>
    public const string ApprovalRejected = "ApprovalRejected";

    /// <summary>Ready False: no worker has been available for longer than the start grace while the pool wants some.</summary>
    public const string DeploymentUnavailable = "DeploymentUnavailable";

    /// <summary>Ready True: some workers serve while the rest start (a scale-up or a rollout).</summary>
    public const string PartiallyAvailable = "PartiallyAvailable";

    /// <summary>Ready True: a pool that served (or rested at zero) waits, within the start grace, for its first worker.</summary>
    public const string WorkersStarting = "WorkersStarting";
    public const string QueueUnavailable = "QueueUnavailable";

    /// <summary>ScalingActive: the operator stopped an idle pool's workers; its next task starts one.</summary>
    public const string ScaledToZero = "ScaledToZero";

    /// <summary>ScalingActive: autoscaling mode None, the replica count is spec.replicas.</summary>
    public const string ScalingDisabled = "ScalingDisabled";

    /// <summary>ScalingActive: mode Keda, but KEDA's ScaledObject API is not installed.</summary>
    public const string KedaNotInstalled = "KedaNotInstalled";

    /// <summary>ScalingActive: the autoscaler exists and has not reported yet.</summary>
    public const string AutoscalerPending = "AutoscalerPending";

    /// <summary>ScalingActive: KEDA reports its ScaledObject ready.</summary>
    public const string ScaledObjectReady = "ScaledObjectReady";

    /// <summary>BudgetExceeded True: the agent's spec.budget.maxTokensPerDay is used up today (UTC).</summary>
    public const string MaxTokensPerDay = "MaxTokensPerDay";

    /// <summary>BudgetExceeded True: the agent's spec.budget.maxCostPerDay is used up today (UTC).</summary>
    public const string MaxCostPerDay = "MaxCostPerDay";

    /// <summary>BudgetExceeded True: the namespace's metaevolve.io/max-tokens-per-day is used up today (UTC).</summary>
    public const string NamespaceMaxTokensPerDay = "NamespaceMaxTokensPerDay";

    /// <summary>BudgetExceeded True: the namespace's metaevolve.io/max-cost-per-day is used up today (UTC).</summary>
    public const string NamespaceMaxCostPerDay = "NamespaceMaxCostPerDay";

    /// <summary>BudgetExceeded False: every daily limit has room left.</summary>
    public const string WithinBudget = "WithinBudget";

    /// <summary>Event: a namespace budget annotation (metaevolve.io/max-tokens-per-day, -cost-per-day) does not parse and is ignored.</summary>
    public const string InvalidNamespaceBudget = "InvalidNamespaceBudget";

    /// <summary>Federated True: every peer of spec.federation is one of the operator's METAEVOLVE_PEERS.</summary>
    public const string PeersConfigured = "PeersConfigured";

    /// <summary>Federated False: the pool has spec.federation but the operator has no METAEVOLVE_REGION.</summary>
    public const string RegionNotSet = "RegionNotSet";

    /// <summary>Federated False: spec.federation.peers names the operator's own region.</summary>
    public const string PeerIsOwnRegion = "PeerIsOwnRegion";

    /// <summary>Federated False: spec.federation.peers names a region that is not one of the operator's METAEVOLVE_PEERS.</summary>
    public const string UnknownPeer = "UnknownPeer";
}
