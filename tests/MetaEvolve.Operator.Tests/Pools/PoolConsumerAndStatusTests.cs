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

    [Fact]
    public void A_rollout_not_yet_observed_or_missing_replicas_is_not_ready()
    {
        var pool = Pool();
        var stale = PoolStatusBuilder.Build(pool, new PoolObservation(Deployment(2, 2, generation: 2, observed: 1), null, []), Now);
        var short1 = PoolStatusBuilder.Build(pool, new PoolObservation(Deployment(2, 1), null, []), Now);

        Assert.Equal(ConditionReasons.DeploymentUnavailable, Conditions.Find(stale.Conditions, ConditionTypes.Ready)!.Reason);
        Assert.Equal(ConditionReasons.DeploymentUnavailable, Conditions.Find(short1.Conditions, ConditionTypes.Ready)!.Reason);
        Assert.Contains("1 of 2", Conditions.Find(short1.Conditions, ConditionTypes.Ready)!.Message, StringComparison.Ordinal);
        Assert.True(Conditions.IsTrue(short1.Conditions, ConditionTypes.Reconciling));
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
