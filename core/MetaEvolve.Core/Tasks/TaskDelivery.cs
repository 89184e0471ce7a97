namespace MetaEvolve.Core.Tasks;

/// <summary>
/// A task as a worker received it: the envelope and the stream sequence of the message that carried it. A redelivery
/// of that message keeps the sequence; another copy of the task's message has its own.
/// </summary>
public readonly record struct TaskDelivery(TaskEnvelope Task, ulong StreamSequence);
