namespace MetaEvolve.Operator.Scaling;

/// <summary>
/// One reading of a pool's JetStream consumer. <see cref="Lag"/> is KEDA's nats-jetstream formula: tasks waiting
/// plus tasks delivered and not yet acknowledged, so running tasks keep a pool awake.
/// </summary>
public sealed record QueueLag(long Pending, long AckPending, long Redelivered, DateTime SampledAt)
{
    public long Lag => Pending + AckPending;
}

/// <summary>The pool's consumer could not be read (missing, or NATS unreachable): there is no number to report.</summary>
public sealed class QueueLagUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
