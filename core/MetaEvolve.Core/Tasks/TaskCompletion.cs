namespace MetaEvolve.Core.Tasks;

/// <summary>
/// A state change a worker records after running (or refusing to run) a task. <see cref="Status"/> is final,
/// or <see cref="TaskStates.Queued"/> when the task goes back to the queue (retry, shutdown) with its error kept.
/// </summary>
public readonly record struct TaskCompletion(
    Guid Id,
    string Status,
    string? OutputJson = null,
    string? Error = null,
    bool DeadLettered = false,
    int PromptTokens = 0,
    int CompletionTokens = 0);
