using System.Text.Json;
using MetaEvolve.Core.Regions;
using MetaEvolve.Crds;
using MetaEvolve.Testing;
using NATS.Client.Core;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>An operator with a region (METAEVOLVE_REGION a, METAEVOLVE_PEERS b) against the dev control plane and real NATS.</summary>
[Trait(Services.Trait, Services.Needed)]
public class RegionOperatorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pools_show_the_region_their_peers_are_checked_and_the_leader_announces_their_health()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        // Peer b is not running: the start-up check warns and the operator starts all the same.
        cluster.Connections = cluster.Connections with { Region = "a", Peers = ["b"] };
        await using var nats = new NatsConnection(new NatsOpts { Url = cluster.Connections.NatsUrl });
        await using var heard = await nats.SubscribeCoreAsync<byte[]>(cluster.Names.RegionHealth("a"), cancellationToken: Ct);
        await cluster.StartOperatorAsync(configure: o => o with { RegionHealthInterval = TimeSpan.FromMilliseconds(500) });

        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata: {name: near}
            spec:
              autoscaling: {mode: None}
              federation: {peers: [b], failoverAfterSeconds: 30}
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata: {name: far}
            spec:
              autoscaling: {mode: None}
              federation: {peers: [b, z]}
            """);

        string? nearReason = null, farReason = null, farMessage = null;
        await OperatorCluster.EventuallyAsync(async () =>
        {
            var near = await cluster.PoolAsync("near");
            var far = await cluster.PoolAsync("far");
            return near.Status?.Region == "a" && far.Status?.Region == "a"
                && near.Status.Conditions.Condition(ConditionTypes.Federated, out nearReason, out _) == "True"
                && far.Status.Conditions.Condition(ConditionTypes.Federated, out farReason, out farMessage) == "False";
        }, "both pools show region a; near is Federated, far is not");
        Assert.Equal((ConditionReasons.PeersConfigured, ConditionReasons.UnknownPeer), (nearReason, farReason));
        Assert.StartsWith("spec.federation.peers[1] is 'z'", farMessage, StringComparison.Ordinal);
        var table = await cluster.Kubectl.OkAsync("get", "agentpools", "near");
        Assert.Contains("REGION", table, StringComparison.Ordinal);

        RegionHealth? health = null;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        while (health is null || health.Pools.Count < 2)
        {
            var message = await heard.Msgs.ReadAsync(wait.Token);
            health = JsonSerializer.Deserialize(message.Data, RegionJsonContext.Default.RegionHealth);
        }

        Assert.Equal(("a", 0.5), (health.Region, health.IntervalSeconds));
        var announcedNear = health.Pool(cluster.Namespace, "near")!;
        var announcedFar = health.Pool(cluster.Namespace, "far")!;
        Assert.Equal(["b"], announcedNear.Federation!.Peers);
        Assert.Equal(30, announcedNear.Federation.FailoverAfterSeconds);
        // A federation the operator cannot follow is not announced: no peer sends its tasks to z.
        Assert.Null(announcedFar.Federation);
    }
}
