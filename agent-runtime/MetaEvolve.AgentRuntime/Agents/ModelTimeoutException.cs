namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>Every attempt of a model request ran out of <see cref="AgentOptions.ModelTimeout"/>.</summary>
public sealed class ModelTimeoutException : Exception
{
    public ModelTimeoutException() { }
    public ModelTimeoutException(string message) : base(message) { }
    public ModelTimeoutException(string message, Exception innerException) : base(message, innerException) { }
}
