using Prometheus;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// The operator's Prometheus metrics. Each operator instance registers them in its own registry, so several
/// instances in one process (tests) do not share counters.
/// </summary>
public sealed class OperatorMetrics
{
    public OperatorMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        Reconciles = factory.CreateCounter("metaevolve_operator_reconciles_total", "Reconciles by kind and result (success, requeue, error).", "kind", "result");
        ReconcileDuration = factory.CreateHistogram("metaevolve_operator_reconcile_duration_seconds", "Time one reconcile took.",
            new HistogramConfiguration { LabelNames = ["kind"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        QueueDepth = factory.CreateGauge("metaevolve_operator_workqueue_depth", "Keys waiting for a worker, by kind.", "kind");
        WatchRestarts = factory.CreateCounter("metaevolve_operator_watch_restarts_total", "Watch streams restarted, by resource and reason (closed, gone, error).", "resource", "reason");
        IsLeader = factory.CreateGauge("metaevolve_operator_leader", "1 while this instance holds the leader lease.");
    }

    public CollectorRegistry Registry { get; }
    public Counter Reconciles { get; }
    public Histogram ReconcileDuration { get; }
    public Gauge QueueDepth { get; }
    public Counter WatchRestarts { get; }
    public Gauge IsLeader { get; }
}
