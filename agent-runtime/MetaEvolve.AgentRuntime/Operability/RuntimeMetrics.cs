using Prometheus;

namespace MetaEvolve.AgentRuntime.Operability;

/// <summary>The worker's Prometheus metrics (served on /metrics).</summary>
internal sealed class RuntimeMetrics
{
    private static readonly Counter Tasks = Metrics.CreateCounter(
        "metaevolve_tasks_total", "Tasks whose result this worker recorded, by outcome (succeeded, failed, cancelled, invalid, dead_lettered).",
        new CounterConfiguration { LabelNames = ["pool", "agent", "outcome"] });

    private static readonly Histogram Duration = Metrics.CreateHistogram(
        "metaevolve_task_duration_seconds", "Execution time of tasks that ran, by agent.",
        new HistogramConfiguration { LabelNames = ["pool", "agent"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 20) });

    private static readonly Gauge InFlight = Metrics.CreateGauge(
        "metaevolve_tasks_in_flight", "Messages this worker holds (received, not yet settled).", new GaugeConfiguration { LabelNames = ["pool"] });

    private static readonly Counter Redeliveries = Metrics.CreateCounter(
        "metaevolve_task_redeliveries_total", "Deliveries of a task after its first.", new CounterConfiguration { LabelNames = ["pool"] });

    private static readonly Counter DeadLetters = Metrics.CreateCounter(
        "metaevolve_task_dead_letters_total", "Tasks recorded as dead-lettered after maxDeliver attempts.", new CounterConfiguration { LabelNames = ["pool", "agent"] });

    private static readonly Counter Retries = Metrics.CreateCounter(
        "metaevolve_task_retries_total", "Transient failures sent back to the queue with backoff.", new CounterConfiguration { LabelNames = ["pool", "agent"] });

    private readonly string _pool;
    private readonly Gauge.Child _inFlight;

    public RuntimeMetrics(WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _pool = options.Pool;
        _inFlight = InFlight.WithLabels(_pool);
    }

    public void Received(int delivery)
    {
        _inFlight.Inc();
        if (delivery > 1)
        {
            Redeliveries.WithLabels(_pool).Inc();
        }
    }

    public void Settled() => _inFlight.Dec();

    public void Recorded(string agent, string outcome, double seconds, bool deadLettered)
    {
        Tasks.WithLabels(_pool, agent, outcome).Inc();
        if (seconds > 0)
        {
            Duration.WithLabels(_pool, agent).Observe(seconds);
        }
        if (deadLettered)
        {
            DeadLetters.WithLabels(_pool, agent).Inc();
        }
    }

    public void Retried(string agent) => Retries.WithLabels(_pool, agent).Inc();
}
