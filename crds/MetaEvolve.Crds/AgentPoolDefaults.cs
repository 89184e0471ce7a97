namespace MetaEvolve.Crds;

/// <summary>
/// The AgentPool spec's defaults, defined once: the schema declares them (<c>SchemaDefault</c>, applied by the API
/// server) and the operator applies the same values to objects stored before a default existed.
/// </summary>
public static class AgentPoolDefaults
{
    public const int Replicas = 1;
    public const int Concurrency = 4;
    public const bool Suspend = false;

    public const AutoscalingMode Mode = AutoscalingMode.Hpa;
    public const int MinReplicas = 1;
    public const int MaxReplicas = 10;
    public const int TargetLagPerReplica = 5;
    public const int ActivationLag = 0;
    public const int CooldownSeconds = 300;

    public const int AckWaitSeconds = 60;
    public const int MaxDeliver = 5;
    public const int TimeoutSeconds = 300;

    public const long TerminationGracePeriodSeconds = 30;

    public const int FailoverAfterSeconds = 60;
}
