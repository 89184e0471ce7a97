namespace MetaEvolve.Operator.Runtime;

/// <summary>Error backoff of a work queue: per key, <see cref="BaseDelay"/> doubled on each failure up to <see cref="MaxDelay"/>.</summary>
public sealed record WorkQueueOptions
{
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The delay before retrying a key that failed <paramref name="failures"/> times in a row (1 = first failure).</summary>
    public TimeSpan BackoffFor(int failures)
    {
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ticks = BaseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
