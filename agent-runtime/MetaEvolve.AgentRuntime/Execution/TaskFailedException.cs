namespace MetaEvolve.AgentRuntime.Execution;

/// <summary>A task failed in a way the executor understands. <see cref="Transient"/> failures are retried up to maxDeliver.</summary>
public sealed class TaskFailedException : Exception
{
    public TaskFailedException() { }
    public TaskFailedException(string message) : base(message) { }
    public TaskFailedException(string message, Exception innerException) : base(message, innerException) { }
    public TaskFailedException(string message, bool transient) : base(message) => Transient = transient;

    public bool Transient { get; }
}
