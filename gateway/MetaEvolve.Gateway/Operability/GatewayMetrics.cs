using MetaEvolve.Core.Regions;
using Prometheus;

namespace MetaEvolve.Gateway.Operability;

/// <summary>Prometheus metrics of the gateway beyond the per-route HTTP metrics.</summary>
public sealed class GatewayMetrics
{
    private static readonly Counter SubmittedCounter = Metrics.CreateCounter(
        "metaevolve_gateway_tasks_submitted_total", "Task submissions by outcome (accepted; accepted_unpublished: recorded, left to the outbox relay; duplicate; queue_full).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Counter RejectedCounter = Metrics.CreateCounter(
        "metaevolve_gateway_requests_rejected_total", "Requests refused before reaching the task pipeline, by reason.",
        new CounterConfiguration { LabelNames = ["reason"] });

    private static readonly Counter RelayedCounter = Metrics.CreateCounter(
        "metaevolve_gateway_outbox_relayed_total", "Tasks published by an outbox relay because their submitter did not (it died, timed out or lost its client).");

    private static readonly Histogram GroupSizeHistogram = Metrics.CreateHistogram(
        "metaevolve_gateway_submit_group_size", "Submissions written by one store statement (group commit): its count is the statements, its sum the tasks.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 9) });

    private static readonly Counter HomecomingCounter = Metrics.CreateCounter(
        "metaevolve_gateway_homecoming_total", "Results of this region's tasks that came home from the region that ran them, by outcome (recorded; already_recorded: a second copy or a task that ended here first; undecodable: dropped).",
        new CounterConfiguration { LabelNames = ["outcome"] });

    private static readonly Gauge RegionHealthGauge = Metrics.CreateGauge(
        "metaevolve_gateway_region_health_timestamp_seconds", "When each region's latest fresh health announcement heard here was taken (unix seconds); 0 when none is fresh (that region takes no tasks from here, and this one, if it is the region, reports not ready).",
        new GaugeConfiguration { LabelNames = ["region"] });

    private static readonly Gauge WaitingGauge = Metrics.CreateGauge(
        "metaevolve_gateway_waiters", "Requests currently waiting for a task to end (?wait and event streams).");

    public GatewayMetrics()
    {
        // Export every outcome from the start (as 0), so rates and alerts work before the first occurrence.
        foreach (var outcome in new[] { "accepted", "accepted_unpublished", "duplicate", "queue_full" })
        {
            SubmittedCounter.WithLabels(outcome);
        }
        foreach (var reason in new[] { "invalid", "namespace", "unknown_agent", "rate_limited" })
        {
            RejectedCounter.WithLabels(reason);
        }
        foreach (var outcome in new[] { "recorded", "already_recorded", "undecodable" })
        {
            HomecomingCounter.WithLabels(outcome);
        }
    }

    public void Submitted(string outcome) => SubmittedCounter.WithLabels(outcome).Inc();

    public void GroupWritten(int size) => GroupSizeHistogram.Observe(size);

    public void Relayed(int count) => RelayedCounter.Inc(count);

    /// <summary>Exports, at every scrape, when <paramref name="regions"/>' latest fresh announcements on <paramref name="board"/> were taken.</summary>
    public static void TrackRegionHealth(RegionHealthBoard board, IReadOnlyList<string> regions)
    {
        ArgumentNullException.ThrowIfNull(board);
        ArgumentNullException.ThrowIfNull(regions);
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            foreach (var region in regions)
            {
                RegionHealthGauge.WithLabels(region).Set(board.Current(region)?.At.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
            }
        });
    }

    public void Homecoming(string outcome) => HomecomingCounter.WithLabels(outcome).Inc();

    public void Rejected(string reason) => RejectedCounter.WithLabels(reason).Inc();

    public IDisposable Waiting() => WaitingGauge.TrackInProgress();
}
