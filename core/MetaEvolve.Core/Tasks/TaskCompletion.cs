namespace MetaEvolve.Core.Tasks;

/// <summary>
/// A state change a worker records after running (or refusing to run) a task. <see cref="Status"/> is final,
/// or <see cref="TaskStates.Queued"/> when the task goes back to the queue (retry, shutdown) with its error kept.
/// <see cref="Attempt"/> fences the write: it lands only while the row is still at the attempt that claimed it, so a
/// stale attempt (its worker stalled past the ack wait while another took the task over) changes nothing;
/// 0 for a write that follows no claim. <see cref="Parking"/> goes with <see cref="TaskStates.AwaitingApproval"/>.
/// </summary>
public readonly record struct TaskCompletion(
    Guid Id,
    string Status,
    string? OutputJson = null,
    string? Error = null,
    bool DeadLettered = false,
    int PromptTokens = 0,
    int CompletionTokens = 0,
    int Attempt = 0,
    TaskParking? Parking = null)
{
    /// <summary>
    /// This completion as the store can hold it: U+0000 in the error is replaced; an output carrying U+0000 is not
    /// recorded (changing it would change the result) — the task fails instead, saying why.
    /// </summary>
    public TaskCompletion ForStore()
    {
        if (NulCharacter.InJson(OutputJson))
        {
            return this with { Status = TaskStates.Failed, OutputJson = null, Error = $"the result was not recorded: it contains {NulCharacter.Description}" };
        }
        return NulCharacter.In(Error) ? this with { Error = NulCharacter.Replace(Error) } : this;
    }
}
