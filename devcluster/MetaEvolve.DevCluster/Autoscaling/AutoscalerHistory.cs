namespace MetaEvolve.DevCluster.Autoscaling;

/// <summary>A recommendation the controller computed, kept for the stabilization windows.</summary>
public readonly record struct TimedRecommendation(int Replicas, DateTimeOffset At);

/// <summary>A rescale the controller made, kept for the behavior policies' periods.</summary>
public sealed record ScaleEvent(int Change, DateTimeOffset At)
{
    public bool Outdated { get; set; }
}

/// <summary>
/// What the upstream controller remembers per HPA in memory (recommendations, scale-up and
/// scale-down events). Like upstream, it is lost when the controller restarts.
/// </summary>
public sealed class AutoscalerHistory
{
    public List<TimedRecommendation> Recommendations { get; } = [];
    public List<ScaleEvent> ScaleUpEvents { get; } = [];
    public List<ScaleEvent> ScaleDownEvents { get; } = [];
}
