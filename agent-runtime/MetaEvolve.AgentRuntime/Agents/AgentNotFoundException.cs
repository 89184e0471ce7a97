namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>The store has no such agent (deleted, or never projected).</summary>
public sealed class AgentNotFoundException : Exception
{
    public AgentNotFoundException() { }
    public AgentNotFoundException(string message) : base(message) { }
    public AgentNotFoundException(string message, Exception innerException) : base(message, innerException) { }
}
