using System.Diagnostics;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// Leader election without a clean release: a leader whose API server stops answering steps down within its renew
/// deadline (controllers stopped, gauge 0) and before another candidate acquires, which happens only once the lease
/// duration has passed; a Lease left by a killed leader is taken over after the lease duration, not before.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class LeaderFailoverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_leader_whose_api_server_hangs_steps_down_within_the_renew_deadline_before_a_standby_takes_over()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        // Disposed before the cluster: the hung leader's last calls end when the proxy closes its connections.
        await using var proxy = new HangingProxy(cluster.Server.BaseAddress);
        var a = await cluster.StartOperatorAsync("operator-a", kubernetes: cluster.Client(OperatorCluster.OperatorUser, proxy.Address));
        await OperatorCluster.EventuallyAsync(() => Task.FromResult(a.Leader.IsLeader), "operator-a leads");
        var b = await cluster.StartOperatorAsync("operator-b");
        var options = cluster.OperatorOptions("any");

        var clock = Stopwatch.StartNew();
        proxy.Hang();
        TimeSpan? aStepped = null, bLed = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(20) && bLed is null)
        {
            if (aStepped is null && !a.Leader.IsLeader)
            {
                aStepped = clock.Elapsed;
                Assert.Equal(0, await a.LeaderGaugeAsync());
            }

            if (b.Leader.IsLeader)
            {
                bLed = clock.Elapsed;
            }

            await Task.Delay(20, Ct);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"operator-a stepped down after {aStepped}, operator-b led after {bLed}");
        Assert.NotNull(aStepped);
        Assert.NotNull(bLed);
        // Its last renewal was at most one retry period before the hang; scheduling on a loaded machine adds a little.
        Assert.True(aStepped <= options.RenewDeadline + TimeSpan.FromSeconds(1), $"operator-a stepped down after {aStepped}, renew deadline {options.RenewDeadline}");
        Assert.True(aStepped < bLed, "the hung leader stopped before the standby led");
        Assert.True(bLed >= options.LeaseDuration - options.RetryPeriod - TimeSpan.FromMilliseconds(300),
            $"operator-b acquired after {bLed}, before the lease duration {options.LeaseDuration} had passed since the last renewal");
        Assert.False(a.Leader.IsLeader);
    }

    [Fact]
    public async Task A_lease_left_by_a_killed_leader_is_taken_over_after_the_lease_duration_and_not_before()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var options = cluster.OperatorOptions("any");
        // What a SIGKILLed leader leaves: a held Lease that nobody renews and nobody releases.
        var lease = new LeaseLock(cluster.Client(OperatorCluster.OperatorUser), cluster.Namespace, options.LeaseName, "killed-operator");
        Assert.True(await lease.CreateAsync(new LeaderElectionRecord
        {
            HolderIdentity = "killed-operator",
            LeaseDurationSeconds = (int)options.LeaseDuration.TotalSeconds,
            AcquireTime = DateTime.UtcNow,
            RenewTime = DateTime.UtcNow,
        }, Ct));

        var clock = Stopwatch.StartNew();
        var b = await cluster.StartOperatorAsync("operator-b");
        while (!b.Leader.IsLeader && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(20, Ct);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"operator-b led after {clock.Elapsed}");
        Assert.True(b.Leader.IsLeader, "operator-b took over the abandoned Lease");
        Assert.True(clock.Elapsed >= options.LeaseDuration, $"operator-b acquired after {clock.Elapsed}, before the lease duration {options.LeaseDuration}");
        Assert.Equal("operator-b", (await lease.GetAsync(Ct)).HolderIdentity);
    }
}
