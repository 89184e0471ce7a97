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
        QueueLag = factory.CreateGauge("metaevolve_pool_queue_lag", "Tasks waiting plus tasks in flight in a pool's queue (the autoscaling metric); absent while it cannot be read.", "namespace", "pool");
        QueuePending = factory.CreateGauge("metaevolve_pool_queue_pending", "Tasks waiting in a pool's queue, not yet delivered to a worker.", "namespace", "pool");
        BudgetUsedRatio = factory.CreateGauge("metaevolve_agent_budget_used_ratio",
            "How much of a daily budget an agent has used today (UTC), by limit (maxTokensPerDay, maxCostPerDay, namespaceMaxTokensPerDay, namespaceMaxCostPerDay); 1 = reached.",
            "namespace", "agent", "limit");
        QueueAckPending = factory.CreateGauge("metaevolve_pool_queue_ack_pending", "Tasks delivered to a pool's workers and not yet acknowledged.", "namespace", "pool");
        TasksForwarded = factory.CreateCounter("metaevolve_operator_tasks_forwarded_total",
            "Queued tasks of a failed-over pool moved to a peer region (acknowledged by the peer's stream, then removed here), by pool and peer.", "namespace", "pool", "region");
    }

    public CollectorRegistry Registry { get; }
    public Counter Reconciles { get; }
    public Histogram ReconcileDuration { get; }
    public Gauge QueueDepth { get; }
    public Counter WatchRestarts { get; }
    public Gauge IsLeader { get; }
    public Gauge QueueLag { get; }
    public Gauge QueuePending { get; }
    public Gauge QueueAckPending { get; }
    public Gauge BudgetUsedRatio { get; }
    public Counter TasksForwarded { get; }

    public void SetQueue(string ns, string pool, Scaling.QueueLag lag)
    {
        ArgumentNullException.ThrowIfNull(lag);
        QueueLag.WithLabels(ns, pool).Set(lag.Lag);
        QueuePending.WithLabels(ns, pool).Set(lag.Pending);
        QueueAckPending.WithLabels(ns, pool).Set(lag.AckPending);
    }

    public void RemoveQueue(string ns, string pool)
    {
        QueueLag.RemoveLabelled(ns, pool);
        QueuePending.RemoveLabelled(ns, pool);
        QueueAckPending.RemoveLabelled(ns, pool);
    }
}
