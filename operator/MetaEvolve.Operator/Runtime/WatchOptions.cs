namespace MetaEvolve.Operator.Runtime;

/// <summary>How watch streams are kept alive.</summary>
public sealed record WatchOptions
{
    /// <summary>Server-side timeout of one watch request; randomized between this and twice it, as client-go does, so streams do not all end at once.</summary>
    public TimeSpan StreamTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
