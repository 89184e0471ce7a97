using MetaEvolve.DevCluster.Autoscaling;

namespace MetaEvolve.DevCluster.Workloads.Tests;

/// <summary>The External-metric replica calculation, with cases taken from upstream's controller tests.</summary>
public sealed class ReplicaCalculatorTests
{
    [Fact]
    public void Average_value_above_target_proposes_ceil_of_total_over_target()
    {
        // TestScaleUpPerPodCMExternal: 8600m over 3 replicas against 2222m each → 4.
        var proposal = ReplicaCalculator.ExternalPerPod(3, 2222, [8600]);
        Assert.Equal(4, proposal.Replicas);
        Assert.Equal(2867, proposal.UsageMilli);
    }

    [Fact]
    public void Average_value_below_target_scales_down()
    {
        // TestScaleDownPerPodCMExternal: 8600m over 5 replicas against 3000m each → 3.
        Assert.Equal(3, ReplicaCalculator.ExternalPerPod(5, 3000, [8600]).Replicas);
    }

    [Fact]
    public void Average_value_within_tolerance_keeps_the_current_count()
    {
        // TestReplicaCalcToleranceCMExternalPerPod: 8600 / (2900 × 3) = 0.989.
        Assert.Equal(3, ReplicaCalculator.ExternalPerPod(3, 2900, [8600]).Replicas);
        Assert.Equal(10, ReplicaCalculator.ExternalPerPod(10, 1000, [10_500]).Replicas);
        // A ratio of exactly 1.1 is outside in float64 arithmetic (|1 - 1.1| = 0.10000000000000009), upstream too.
        Assert.Equal(11, ReplicaCalculator.ExternalPerPod(10, 1000, [11000]).Replicas);
        Assert.Equal(12, ReplicaCalculator.ExternalPerPod(10, 1000, [11001]).Replicas);
    }

    [Fact]
    public void Average_value_sums_every_returned_series()
    {
        Assert.Equal(5, ReplicaCalculator.ExternalPerPod(1, 10_000, [20_000, 25_000]).Replicas);
    }

    [Fact]
    public void Value_target_scales_the_ready_pods_by_the_ratio()
    {
        // 8600 / 4400 = 1.95 × 2 ready pods → 4 (getUsageRatioReplicaCount).
        Assert.Equal(4, ReplicaCalculator.ExternalValue(3, 2, 4400, [8600]).Replicas);
        Assert.Equal(3, ReplicaCalculator.ExternalValue(3, 3, 8600, [8600]).Replicas);
        // With no replicas the ratio alone decides.
        Assert.Equal(2, ReplicaCalculator.ExternalValue(0, 0, 4400, [8600]).Replicas);
    }

    [Fact]
    public void Quantities_compare_as_milli_values()
    {
        Assert.Equal(1500, MetricQuantity.Milli("1500m"));
        Assert.Equal(45_000, MetricQuantity.Milli("45"));
        Assert.Equal(2_000_000, MetricQuantity.Milli("2k"));
        Assert.Equal("9", MetricQuantity.Format(9000));
        Assert.Equal("2867m", MetricQuantity.Format(2867));
    }
}
