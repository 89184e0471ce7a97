namespace MetaEvolve.Crds;

/// <summary>Condition types (`status.conditions[].type`) the operator sets, shaped like metav1.Condition.</summary>
public static class ConditionTypes
{
    /// <summary>The resource does what it declares; `kubectl wait --for=condition=Ready` waits on it.</summary>
    public const string Ready = "Ready";

    /// <summary>The operator is working towards the declared state (kstatus convention).</summary>
    public const string Reconciling = "Reconciling";

    /// <summary>The operator cannot make progress without a change from the user (kstatus convention).</summary>
    public const string Stalled = "Stalled";

    /// <summary>Skill: the template parses, or the C# source passes the sandbox policy and compiles.</summary>
    public const string Validated = "Validated";

    /// <summary>Skill: this digest is stored and announced to the workers (False while an authored digest awaits approval).</summary>
    public const string Published = "Published";

    /// <summary>AgentPool: the autoscaler can read the queue lag and scale the workers.</summary>
    public const string ScalingActive = "ScalingActive";

    /// <summary>Agent: a daily budget (its own or its namespace's) is used up; its tasks fail with budget: until 00:00 UTC.</summary>
    public const string BudgetExceeded = "BudgetExceeded";

    /// <summary>AgentPool with spec.federation: its peers are regions this operator federates with (False names the bad one).</summary>
    public const string Federated = "Federated";
}
