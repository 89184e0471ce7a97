using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>How a message is settled with JetStream once its record (if any) is committed.</summary>
internal enum AckKind
{
    Ack,
    Nak,
    Terminate,
}

/// <summary>
/// The outcome of one delivery: what to write to the store (nothing when the record already exists), then how
/// to settle the message. <see cref="Seconds"/> is the execution time for the duration histogram.
/// </summary>
internal readonly record struct Settlement(InFlightTask Task, TaskCompletion? Completion, AckKind Ack, TimeSpan NakDelay = default, double Seconds = 0)
{
    public static Settlement Record(InFlightTask task, TaskCompletion completion, double seconds = 0) =>
        new(task, completion, AckKind.Ack, Seconds: seconds);

    /// <summary>Back to the queue with the error kept, so a later dead-letter record can say what went wrong.</summary>
    public static Settlement Retry(InFlightTask task, string? error, TimeSpan delay, double seconds = 0) =>
        new(task, new TaskCompletion(task.TaskId, TaskStates.Queued, Error: error), AckKind.Nak, delay, seconds);

    /// <summary>Nothing to write: the message goes back as is (shutdown before it started, duplicate in a batch).</summary>
    public static Settlement Release(InFlightTask task, TimeSpan delay) => new(task, null, AckKind.Nak, delay);

    /// <summary>The task already has its record (a redelivery after the result was committed).</summary>
    public static Settlement AlreadyRecorded(InFlightTask task) => new(task, null, AckKind.Ack);

    public static Settlement Terminate(InFlightTask task) => new(task, null, AckKind.Terminate);
}
