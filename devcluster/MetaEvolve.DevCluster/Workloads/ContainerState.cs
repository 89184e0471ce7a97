namespace MetaEvolve.DevCluster.Workloads;

/// <summary>How a container instance ended.</summary>
public sealed record Termination(int ExitCode, string Reason, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, string? Message = null);

/// <summary>
/// A snapshot of one container as <c>status.containerStatuses[]</c> reports it: waiting (with a reason),
/// running (since when, ready or not) or terminated; restarts; the previous instance's end.
/// </summary>
public sealed record ContainerState
{
    public string Phase { get; init; } = "Waiting";
    public string? Reason { get; init; } = "ContainerCreating";
    public string? Message { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public Termination? Terminated { get; init; }
    public Termination? LastTerminated { get; init; }
    public bool Ready { get; init; }
    public int RestartCount { get; init; }
    public int? Pid { get; init; }
}
