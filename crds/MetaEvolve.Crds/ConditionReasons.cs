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
    public const string ConfigMapNotFound = "ConfigMapNotFound";

    public const string TemplateInvalid = "TemplateInvalid";
    public const string PolicyViolation = "PolicyViolation";
    public const string CompilationFailed = "CompilationFailed";
    public const string TestsFailed = "TestsFailed";
    public const string StoreUnavailable = "StoreUnavailable";
    public const string InUse = "InUse";

    public const string DeploymentUnavailable = "DeploymentUnavailable";
    public const string ConsumerMissing = "ConsumerMissing";
    public const string QueueUnavailable = "QueueUnavailable";
}
