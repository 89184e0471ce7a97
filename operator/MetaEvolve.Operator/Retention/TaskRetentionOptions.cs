namespace MetaEvolve.Operator.Retention;

/// <summary>
/// Upkeep of the tasks table by the operator's leader (configuration section <c>Operator:TaskRetention</c>, e.g. env
/// <c>Operator__TaskRetention__RetentionDays</c>): days are created ahead and dropped after the retention, unless they
/// still hold dead-lettered, queued or running tasks.
/// </summary>
public sealed record TaskRetentionOptions
{
    /// <summary>Days of task partitions created ahead of today.</summary>
    public int DaysAhead { get; init; } = 7;

    /// <summary>Days a finished task is kept; older days are dropped whole, with their idempotency keys.</summary>
    public int RetentionDays { get; init; } = 30;

    /// <summary>How often the leader runs the upkeep (also once when it starts leading).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);
}
