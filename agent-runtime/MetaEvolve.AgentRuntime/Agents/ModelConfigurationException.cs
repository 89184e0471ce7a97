namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>The agent's model cannot be used as configured (missing key or endpoint); retrying will not help.</summary>
public sealed class ModelConfigurationException : Exception
{
    public ModelConfigurationException() { }
    public ModelConfigurationException(string message) : base(message) { }
    public ModelConfigurationException(string message, Exception innerException) : base(message, innerException) { }
}
