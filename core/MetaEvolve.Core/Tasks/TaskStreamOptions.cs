namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Limits of the task stream (its name and subjects come from <see cref="NatsNames"/>). With DiscardNew a full
/// stream rejects the publish (a clear "queue full") instead of silently dropping the oldest queued task.
/// </summary>
public sealed record TaskStreamOptions
{
    public long MaxMessages { get; init; } = 1_000_000;
    public long MaxBytes { get; init; } = 1L << 30;
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Window in which a second publish with the same Nats-Msg-Id (task id) is dropped as a duplicate.</summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(2);

    public int Replicas { get; init; } = 1;
}
