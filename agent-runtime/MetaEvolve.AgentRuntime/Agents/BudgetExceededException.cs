namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>A model call refused, or a task stopped, because a budget is used up. The message starts with <c>budget:</c>.</summary>
public sealed class BudgetExceededException : Exception
{
    public BudgetExceededException(string limit, string message) : base(message) => Limit = limit;

    public BudgetExceededException()
    {
    }

    public BudgetExceededException(string message) : base(message)
    {
    }

    public BudgetExceededException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The limit reached: maxTokensPerTask, maxTokensPerDay, maxCostPerDay, namespaceMaxTokensPerDay or namespaceMaxCostPerDay.</summary>
    public string Limit { get; } = "";
}
