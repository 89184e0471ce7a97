using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Execution;

/// <summary>
/// The task stopped to wait for a person's approval of a call: the runner records it as awaiting_approval with what
/// <see cref="Parking"/> holds (and the tokens used so far) and acks its message, so the worker's slot is free.
/// </summary>
public sealed class TaskParkedException : Exception
{
    public TaskParkedException() { }
    public TaskParkedException(string message) : base(message) { }
    public TaskParkedException(string message, Exception innerException) : base(message, innerException) { }

    public TaskParkedException(string function, TaskParking parking, int promptTokens = 0, int completionTokens = 0)
        : base($"{function} waits for approval")
    {
        Parking = parking;
        PromptTokens = promptTokens;
        CompletionTokens = completionTokens;
    }

    public TaskParking? Parking { get; }
    public int PromptTokens { get; }
    public int CompletionTokens { get; }
}
