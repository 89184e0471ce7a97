namespace MetaEvolve.DevCluster.Autoscaling;

/// <summary>A replica proposal from one metric, with the usage to report in <c>status.currentMetrics</c> (milli-units).</summary>
public readonly record struct MetricProposal(int Replicas, long UsageMilli);

/// <summary>
/// The upstream replica calculator (pkg/controller/podautoscaler/replica_calculator.go) for External
/// metrics. All values are milli-units, as upstream compares <c>Quantity.MilliValue()</c>s.
/// </summary>
public static class ReplicaCalculator
{
    public const double DefaultTolerance = 0.1;

    /// <summary>
    /// GetExternalPerPodMetricReplicas: an <c>AverageValue</c> target compares total/statusReplicas with
    /// the target; outside the tolerance the proposal is ceil(total / target).
    /// </summary>
    public static MetricProposal ExternalPerPod(int statusReplicas, long targetAverageMilli, IEnumerable<long> valuesMilli, double tolerance = DefaultTolerance)
    {
        var usage = valuesMilli.Sum();
        var replicas = statusReplicas;
        var usageRatio = usage / ((double)targetAverageMilli * statusReplicas);
        if (Math.Abs(1.0 - usageRatio) > tolerance)
        {
            replicas = (int)Math.Ceiling(usage / (double)targetAverageMilli);
        }

        // Upstream divides by statusReplicas unguarded; with none running the total is the honest average.
        var average = statusReplicas == 0 ? usage : (long)Math.Ceiling(usage / (double)statusReplicas);
        return new MetricProposal(replicas, average);
    }

    /// <summary>
    /// GetExternalMetricReplicas: a <c>Value</c> target scales the ready pods by total/target
    /// (getUsageRatioReplicaCount); with no replicas the proposal is ceil(ratio).
    /// </summary>
    public static MetricProposal ExternalValue(int currentReplicas, int readyPods, long targetMilli, IEnumerable<long> valuesMilli, double tolerance = DefaultTolerance)
    {
        var usage = valuesMilli.Sum();
        var usageRatio = usage / (double)targetMilli;
        int replicas;
        if (currentReplicas != 0)
        {
            replicas = Math.Abs(1.0 - usageRatio) <= tolerance ? currentReplicas : (int)Math.Ceiling(usageRatio * readyPods);
        }
        else
        {
            replicas = (int)Math.Ceiling(usageRatio);
        }

        return new MetricProposal(replicas, usage);
    }
}
