using k8s.Models;
using MetaEvolve.Core.Regions;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;
using static MetaEvolve.Operator.Tests.Pools.PoolFixtures;

namespace MetaEvolve.Operator.Tests.Regions;

public class RegionHealthAnnouncementTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly RegionSettings RegionA = new("a", ["b", "c"]);
    private static readonly ObjectKey General = new("team-a", "general");

    private static PoolReading Reading(int ready, int wanted, long lag, PoolFederation? federation = null) => new(General, ready, wanted, lag, federation);

    private static PoolHealth Announce(PoolUnavailabilityClock clock, PoolReading reading, TimeSpan after) =>
        Assert.Single(RegionHealthAnnouncement.Build("a", [reading], clock, Start + after, TimeSpan.FromSeconds(2)).Pools);

    [Fact]
    public void A_pool_with_work_and_no_ready_worker_counts_its_unavailable_seconds_from_the_first_reading()
    {
        var clock = new PoolUnavailabilityClock();

        Assert.Equal(0, Announce(clock, Reading(0, 1, 0), TimeSpan.Zero).UnavailableSeconds);
        Assert.Equal(45, Announce(clock, Reading(0, 0, 3), TimeSpan.FromSeconds(45)).UnavailableSeconds);
        Assert.Null(Announce(clock, Reading(1, 1, 3), TimeSpan.FromSeconds(50)).UnavailableSeconds);
        Assert.Equal(0, Announce(clock, Reading(0, 1, 0), TimeSpan.FromSeconds(60)).UnavailableSeconds);
    }

    [Fact]
    public void A_pool_resting_at_zero_with_an_empty_queue_is_available()
    {
        var clock = new PoolUnavailabilityClock();
        Announce(clock, Reading(0, 1, 0), TimeSpan.Zero);

        var resting = Announce(clock, Reading(0, 0, 0), TimeSpan.FromMinutes(5));

        Assert.Null(resting.UnavailableSeconds);
        Assert.True(resting.TakesWork);
    }

    [Fact]
    public void A_deleted_pool_leaves_the_announcement_and_its_clock()
    {
        var clock = new PoolUnavailabilityClock();
        Announce(clock, Reading(0, 1, 0), TimeSpan.Zero);

        Assert.Empty(RegionHealthAnnouncement.Build("a", [], clock, Start.AddSeconds(10), TimeSpan.FromSeconds(2)).Pools);
        Assert.Equal(0, Announce(clock, Reading(0, 1, 0), TimeSpan.FromSeconds(20)).UnavailableSeconds);
    }

    [Fact]
    public void The_announcement_carries_the_interval_and_a_failed_over_pool_says_so()
    {
        var clock = new PoolUnavailabilityClock();
        var federation = new PoolFederation(["b"], null, 30);
        Announce(clock, Reading(0, 2, 5, federation), TimeSpan.Zero);

        var health = RegionHealthAnnouncement.Build("a", [Reading(0, 2, 5, federation)], clock, Start.AddSeconds(31), TimeSpan.FromSeconds(2));

        Assert.Equal(("a", 2.0, TimeSpan.FromSeconds(6)), (health.Region, health.IntervalSeconds, health.StaleAfter));
        var pool = Assert.Single(health.Pools);
        Assert.Equal(("team-a", "general", 0, 5L), (pool.Namespace, pool.Pool, pool.ReadyWorkers, pool.Lag));
        Assert.True(pool.FailedOver);
    }

    [Fact]
    public void A_reading_takes_ready_and_wanted_workers_from_the_deployment_and_lag_from_the_queue_sample()
    {
        var pool = Pool(spec => spec.Federation = new AgentPoolFederation { Peers = ["c", "b"], SpillOverLag = 40 });
        var deployment = new V1Deployment { Spec = new V1DeploymentSpec { Replicas = 3 }, Status = new V1DeploymentStatus { ReadyReplicas = 2 } };
        var queue = new PoolQueueState(new QueueLag(7, 4, 0, Start.UtcDateTime), null, Start.UtcDateTime, Start.UtcDateTime);

        var reading = PoolReading.From(pool, deployment, queue, RegionA);

        Assert.Equal((General, 2, 3, 11L), (reading.Pool, reading.ReadyWorkers, reading.WantedReplicas, reading.Lag));
        Assert.Equal(["c", "b"], reading.Federation!.Peers);
        Assert.Equal((40L, AgentPoolDefaults.FailoverAfterSeconds), (reading.Federation.SpillOverLag, reading.Federation.FailoverAfterSeconds));
    }

    [Fact]
    public void A_pool_without_a_deployment_or_queue_reading_has_nothing_ready_and_no_lag()
    {
        var reading = PoolReading.From(Pool(), null, null, RegionA);

        Assert.Equal((0, 0, 0L, false), (reading.ReadyWorkers, reading.WantedReplicas, reading.Lag, reading.HasWork));
        Assert.Null(reading.Federation);
    }

    [Fact]
    public void A_federation_the_operator_cannot_follow_is_not_announced()
    {
        var unknownPeer = Pool(spec => spec.Federation = new AgentPoolFederation { Peers = ["b", "z"] });
        var ownRegion = Pool(spec => spec.Federation = new AgentPoolFederation { Peers = ["a"] });

        Assert.Null(PoolReading.From(unknownPeer, null, null, RegionA).Federation);
        Assert.Null(PoolReading.From(ownRegion, null, null, RegionA).Federation);
    }

    [Fact]
    public void A_suspended_pool_is_unavailable_even_with_an_empty_queue_so_no_peer_sends_it_tasks()
    {
        var reading = PoolReading.From(Pool(spec => spec.Suspend = true), null, null, RegionA);

        var health = Announce(new PoolUnavailabilityClock(), reading, TimeSpan.Zero);

        Assert.True(reading.HasWork);
        Assert.Equal(0, health.UnavailableSeconds);
        Assert.False(health.TakesWork);
    }
}
