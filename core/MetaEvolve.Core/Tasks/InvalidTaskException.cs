namespace MetaEvolve.Core.Tasks;

/// <summary>A message that is not a valid task envelope; <see cref="Exception.Message"/> says why, for the failure record.</summary>
public sealed class InvalidTaskException : Exception
{
    public InvalidTaskException() { }
    public InvalidTaskException(string message) : base(message) { }
    public InvalidTaskException(string message, Exception innerException) : base(message, innerException) { }
}
