namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Values of <c>tasks.status</c>. queued → running → succeeded | failed | cancelled (running → queued on retry);
/// running → awaiting_approval when the model calls a function that needs a person's approval, and back to queued
/// once someone approves or rejects it (or failed when nobody did in time).
/// </summary>
public static class TaskStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string AwaitingApproval = "awaiting_approval";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Succeeded or Failed or Cancelled;
}
