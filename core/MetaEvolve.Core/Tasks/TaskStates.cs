namespace MetaEvolve.Core.Tasks;

/// <summary>Values of <c>tasks.status</c>. queued → running → succeeded | failed | cancelled (running → queued on retry).</summary>
public static class TaskStates
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Succeeded or Failed or Cancelled;
}
