namespace MetaEvolve.Core.Tasks;

/// <summary>The task stream refused a publish because a configured limit (messages, bytes) is reached. Callers map it to 429/503.</summary>
public sealed class QueueFullException : Exception
{
    public QueueFullException() { }
    public QueueFullException(string message) : base(message) { }
    public QueueFullException(string message, Exception innerException) : base(message, innerException) { }
}
