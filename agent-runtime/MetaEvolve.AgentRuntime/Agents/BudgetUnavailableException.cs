namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>An agent with a daily budget cannot read its usage counters: no model call is made, the task is retried later.</summary>
public sealed class BudgetUnavailableException : Exception
{
    public BudgetUnavailableException()
    {
    }

    public BudgetUnavailableException(string message) : base(message)
    {
    }

    public BudgetUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
