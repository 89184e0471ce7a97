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

    // Fine buckets (x1.25 from 0.1 ms to about a minute) so the breakdown's p50 and p99 are readable from them:
    // the pipeline's stages take a few milliseconds each, where the default buckets have two edges.
    private static readonly Histogram Stages = Metrics.CreateHistogram(
        "metaevolve_task_stage_seconds",
        "Time a task spends in each stage of the pipeline: queue_wait (stored in the stream until this worker received it; first " +
        "deliveries only), claim (received until its claim returned), run (the executor), record (result handed over until its message was settled).",
        new HistogramConfiguration { LabelNames = ["pool", "stage"], Buckets = Histogram.ExponentialBuckets(0.0001, 1.25, 62) });

    private static readonly Gauge FirstFetch = Metrics.CreateGauge(
        "metaevolve_worker_first_task_fetched_time_seconds",
        "When this worker received its first task message, in Unix seconds (0 until then); minus process_start_time_seconds it is the start-up time.");

    private readonly string _pool;
    private readonly Gauge.Child _inFlight;
    private readonly Histogram.Child _queueWait;
    private readonly Histogram.Child _claim;
    private readonly Histogram.Child _run;
    private readonly Histogram.Child _record;
    private int _fetchedAny;

    public RuntimeMetrics(WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _pool = options.Pool;
        _inFlight = InFlight.WithLabels(_pool);
        _queueWait = Stages.WithLabels(_pool, "queue_wait");
        _claim = Stages.WithLabels(_pool, "claim");
        _run = Stages.WithLabels(_pool, "run");
        _record = Stages.WithLabels(_pool, "record");
    }

    /// <summary>A message arrived; the first one marks the end of start-up.</summary>
    public void Fetched(DateTimeOffset? storedAt, int delivery)
    {
        var now = DateTimeOffset.UtcNow;
        if (Volatile.Read(ref _fetchedAny) == 0 && Interlocked.Exchange(ref _fetchedAny, 1) == 0)
        {
            FirstFetch.Set(now.ToUnixTimeMilliseconds() / 1000.0);
        }
        if (delivery == 1 && storedAt is { } stored)
        {
            // Wall clocks of the NATS server and this host: meaningful as far as they agree (one machine, or NTP).
            _queueWait.Observe(Math.Max(0, (now - stored).TotalSeconds));
        }
    }

    public void ClaimTook(double seconds) => _claim.Observe(seconds);

    public void RunTook(double seconds) => _run.Observe(seconds);

    public void RecordTook(double seconds) => _record.Observe(seconds);

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
