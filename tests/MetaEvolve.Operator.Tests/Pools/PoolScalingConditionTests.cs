using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Scaling;
using static MetaEvolve.Operator.Tests.Pools.PoolFixtures;

namespace MetaEvolve.Operator.Tests.Pools;

public class PoolScalingConditionTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static V1Deployment Deployment(int replicas) => new() { Metadata = new V1ObjectMeta { Name = "general-workers" }, Spec = new V1DeploymentSpec { Replicas = replicas } };

    private static V2HorizontalPodAutoscaler Hpa(string status, string reason, int desired) => new()
    {
        Status = new V2HorizontalPodAutoscalerStatus
        {
            DesiredReplicas = desired,
            Conditions = [new V2HorizontalPodAutoscalerCondition { Type = "ScalingActive", Status = status, Reason = reason, Message = "from the HPA" }],
        },
    };

    private static PoolObservation Observed(int replicas, V2HorizontalPodAutoscaler? hpa = null, string? queueError = null) =>
        new(Deployment(replicas), null, [], new PoolQueueState(new QueueLag(0, 0, 0, Now), queueError, Now), new AutoscalerObservation(hpa, null, null));

    [Fact]
    public void In_mode_hpa_the_condition_and_desired_replicas_are_the_hpas()
    {
        var pool = Pool(s => s.Autoscaling = new AgentPoolAutoscaling { MaxReplicas = 9 });

        var status = PoolStatusBuilder.Build(pool, Observed(2, Hpa("False", "FailedGetExternalMetric", 6)), Now);

        var condition = status.Conditions!.Single(c => c.Type == ConditionTypes.ScalingActive);
        Assert.Equal(("False", "FailedGetExternalMetric", "from the HPA"), (condition.Status, condition.Reason, condition.Message));
        Assert.Equal(6, status.DesiredReplicas);
    }

    [Fact]
    public void A_queue_that_cannot_be_read_makes_scaling_inactive_whatever_the_hpa_last_said()
    {
        var pool = Pool();

        var (status, reason, message) = PoolScalingCondition.Evaluate(pool, Observed(2, Hpa("True", "ValidMetricFound", 2), queueError: "pool team-a/general has no JetStream consumer"));

        Assert.Equal(("False", ConditionReasons.QueueUnavailable), (status, reason));
        Assert.Contains("no JetStream consumer", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pool_at_zero_reports_scaled_to_zero_and_desires_no_replicas()
    {
        var pool = Pool(s => s.Autoscaling = new AgentPoolAutoscaling { MinReplicas = 0, ActivationLag = 3 });

        var status = PoolStatusBuilder.Build(pool, Observed(0, Hpa("False", "ScalingDisabled", 1)), Now);

        var condition = status.Conditions!.Single(c => c.Type == ConditionTypes.ScalingActive);
        Assert.Equal(("False", ConditionReasons.ScaledToZero), (condition.Status, condition.Reason));
        Assert.Contains("above 3", condition.Message, StringComparison.Ordinal);
        Assert.Equal(0, status.DesiredReplicas);
    }

    [Fact]
    public void The_queue_figures_reach_the_status()
    {
        var observed = Observed(1) with { Queue = new PoolQueueState(new QueueLag(7, 2, 1, Now), null, Now) };

        var queue = PoolStatusBuilder.Build(Pool(), observed, Now).Queue!;

        Assert.Equal((7L, 2L, 1L, Now), (queue.Pending!.Value, queue.AckPending!.Value, queue.Redelivered!.Value, queue.SampledAt!.Value));
    }
}
