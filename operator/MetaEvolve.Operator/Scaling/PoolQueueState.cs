namespace MetaEvolve.Operator.Scaling;

/// <summary>
/// What the operator knows about one pool's queue: the last figures read (kept, with the time they were first seen,
/// while they do not change), why the last read failed if it did, and when the pool last had lag.
/// </summary>
/// <param name="Lag">The last figures read; null before the first successful read.</param>
/// <param name="Error">Why the last read failed; null when it succeeded.</param>
/// <param name="LastActive">Last time the lag was above zero — or when the operator first looked, so a new leader
/// waits a whole cooldown before it scales anything to zero.</param>
public sealed record PoolQueueState(QueueLag? Lag, string? Error, DateTime LastActive);
