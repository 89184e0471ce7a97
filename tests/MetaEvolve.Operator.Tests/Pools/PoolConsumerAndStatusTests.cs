using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Runtime;
using static MetaEvolve.Operator.Tests.Pools.PoolFixtures;

namespace MetaEvolve.Operator.Tests.Pools;

public class PoolConsumerAndStatusTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_consumer_filters_the_pool_subjects_and_lets_every_replica_fill_its_concurrency()
    {
        var config = PoolConsumerBuilder.Build(Pool(s =>
        {
            s.Concurrency = 8;
            s.Autoscaling = new AgentPoolAutoscaling { MaxReplicas = 5 };
            s.Task = new AgentPoolTaskSettings { AckWaitSeconds = 60, MaxDeliver = 5 };
        }), Core.NatsNames.Default);

        Assert.Equal("pool-team-a-general", config.Name);
        Assert.Equal("pool-team-a-general", config.DurableName);
        Assert.Equal("metaevolve.tasks.team-a.general.>", config.FilterSubject);
        Assert.True(config.MaxAckPending >= 5 * 8);
        Assert.Equal(TimeSpan.FromSeconds(60), config.AckWait);
        Assert.Equal(6, config.MaxDeliver);
        Assert.Equal(NATS.Client.JetStream.Models.ConsumerConfigAckPolicy.Explicit, config.AckPolicy);
    }

    private static V1Deployment Deployment(int? replicas, int available, long generation = 1, long observed = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = "general-workers", Generation = generation },
        Spec = new V1DeploymentSpec { Replicas = replicas },
        Status = new V1DeploymentStatus { ObservedGeneration = observed, Replicas = available, ReadyReplicas = available, AvailableReplicas = available, UpdatedReplicas = available },
    };

    [Fact]
    public void A_pool_is_ready_when_its_desired_replicas_are_available_and_its_consumer_exists()
    {
        var pool = Pool(s => s.Autoscaling = new AgentPoolAutoscaling { Mode = AutoscalingMode.None });
        var status = PoolStatusBuilder.Build(pool, new PoolObservation(Deployment(2, 2), null, ["a", "b"]), Now);

        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Ready));
        Assert.False(Conditions.IsTrue(status.Conditions, ConditionTypes.Reconciling));
        Assert.Equal((2, 2, 2), (status.Replicas, status.ReadyReplicas, status.DesiredReplicas));
        Assert.Equal(["a", "b"], status.Agents);
        Assert.Equal(3, status.ObservedGeneration);
        Assert.Equal("app.kubernetes.io/name=agent-runtime,metaevolve.io/pool=general", status.Selector);
    }

    [Fact]
    public void Zero_desired_replicas_available_is_ready()
    {
        var pool = Pool(s => { s.Autoscaling = new AgentPoolAutoscaling { Mode = AutoscalingMode.None }; s.Replicas = 0; });
        var status = PoolStatusBuilder.Build(pool, new PoolObservation(Deployment(0, 0), null, []), Now);

        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Ready));
    }

    /// <summary>A Deployment with none available whose Available condition turned False at <paramref name="unavailableSince"/>.</summary>
    private static V1Deployment Unavailable(int replicas, DateTime unavailableSince)
    {
        var deployment = Deployment(replicas, 0);
        deployment.Status.Conditions = [new V1DeploymentCondition { Type = "Available", Status = "False", Reason = "MinimumReplicasUnavailable", LastTransitionTime = unavailableSince }];
        return deployment;
    }

    private static V1Condition Ready(V1Alpha1AgentPoolStatus status) => Conditions.Find(status.Conditions, ConditionTypes.Ready)!;

    [Fact]
    public void A_pool_scaling_up_with_some_workers_available_stays_ready_and_says_it_is_reconciling()
    {
        var status = PoolStatusBuilder.Build(Pool(), new PoolObservation(Deployment(4, 2), null, []), Now);

        Assert.Equal(("True", ConditionReasons.PartiallyAvailable), (Ready(status).Status, Ready(status).Reason));
        Assert.Contains("2 of 4", Ready(status).Message, StringComparison.Ordinal);
        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Reconciling));
    }

    [Fact]
    public void A_rollout_the_Deployment_has_not_observed_yet_stays_ready_on_the_available_workers()
    {
        var status = PoolStatusBuilder.Build(Pool(), new PoolObservation(Deployment(2, 2, generation: 2, observed: 1), null, []), Now);

        Assert.Equal(("True", ConditionReasons.PartiallyAvailable), (Ready(status).Status, Ready(status).Reason));
        Assert.True(Conditions.IsTrue(status.Conditions, ConditionTypes.Reconciling));
    }

    [Fact]
    public void A_ready_pool_waking_from_zero_stays_ready_within_the_start_grace_and_asks_to_be_checked_when_it_ends()
    {
        var pool = Pool();
        pool.Status = PoolStatusBuilder.Build(pool, new PoolObservation(Deployment(0, 0), null, []), Now);
        var waking = new PoolObservation(Unavailable(1, Now), null, []);
        var status = PoolStatusBuilder.Build(pool, waking, Now.AddSeconds(30));

        Assert.Equal(("True", ConditionReasons.WorkersStarting), (Ready(status).Status, Ready(status).Reason));
        Assert.Equal(PoolDefaults.WorkerStartGrace - TimeSpan.FromSeconds(30), PoolStatusBuilder.GraceEndsIn(waking, Now.AddSeconds(30)));
    }

    [Fact]
    public void A_new_pool_without_any_worker_yet_is_not_ready_but_progressing()
    {
        var status = PoolStatusBuilder.Build(Pool(), new PoolObservation(Unavailable(1, Now), null, []), Now.AddSeconds(10));

        Assert.Equal(("False", ConditionReasons.Progressing), (Ready(status).Status, Ready(status).Reason));
    }

    [Fact]
    public void No_available_worker_past_the_start_grace_makes_the_pool_not_ready()
    {
        var pool = Pool();
        pool.Status = PoolStatusBuilder.Build(pool, new PoolObservation(Deployment(2, 2), null, []), Now);
        var late = Now + PoolDefaults.WorkerStartGrace + TimeSpan.FromSeconds(1);
        var observed = new PoolObservation(Unavailable(2, Now), null, []);
        var status = PoolStatusBuilder.Build(pool, observed, late);

        Assert.Equal(("False", ConditionReasons.DeploymentUnavailable), (Ready(status).Status, Ready(status).Reason));
        Assert.Contains("0 of 2", Ready(status).Message, StringComparison.Ordinal);
        Assert.Null(PoolStatusBuilder.GraceEndsIn(observed, late));
    }

    [Fact]
    public void A_suspended_pool_is_ready_with_reason_suspended()
    {
        var pool = Pool(s => s.Suspend = true);
        var status = PoolStatusBuilder.Build(pool, new PoolObservation(Deployment(0, 0), null, []), Now);

        Assert.Equal(("True", ConditionReasons.Suspended), (Ready(status).Status, Ready(status).Reason));
    }

    [Fact]
    public void A_consumer_that_cannot_be_applied_makes_the_pool_not_ready_and_says_why()
    {
        var status = PoolStatusBuilder.Build(Pool(), new PoolObservation(Deployment(1, 1), "no responders", []), Now);
        var ready = Conditions.Find(status.Conditions, ConditionTypes.Ready)!;

        Assert.Equal("False", ready.Status);
        Assert.Equal(ConditionReasons.QueueUnavailable, ready.Reason);
        Assert.Contains("no responders", ready.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recomputing_an_unchanged_pool_gives_the_same_status()
    {
        var pool = Pool();
        var observed = new PoolObservation(Deployment(1, 1), null, ["a"]);
        pool.Status = PoolStatusBuilder.Build(pool, observed, Now);
        var again = PoolStatusBuilder.Build(pool, observed, Now.AddHours(1));

        Assert.True(StatusWriter.SameJson(pool.Status, again));
    }
}
