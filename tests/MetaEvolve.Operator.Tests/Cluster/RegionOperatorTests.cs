using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;

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

    [Fact]
    public async Task An_operator_whose_region_name_a_peer_already_uses_does_not_start()
    {
        await Services.RequireNatsAsync();
        await using var regions = await FederatedNats.StartAsync(TestPrefix.NewNatsRoot("refuse"), "a", "b");
        // b's operator was (mis)configured as region a: b's task stream holds a durable named a_...
        await using (var b = new NatsConnection(new NatsOpts { Url = regions.Url("b") }))
        {
            var misnamed = new TaskQueueTopology(new NatsJSContext(b), new NatsNames(regions.Names.Root, "a"), new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance);
            await misnamed.EnsureConsumerAsync(new PoolConsumerSettings("team-a", "general", TimeSpan.FromSeconds(30), 5, 1, 1), Ct);
        }

        await using var cluster = await OperatorCluster.StartAsync();
        cluster.Connections = regions.Connections(cluster.Connections, "a");

        var refused = await Assert.ThrowsAsync<RegionNameCollisionException>(() => cluster.StartOperatorAsync());
        Assert.Contains("peer 'b' already has durable consumers named a_...", refused.Message, StringComparison.Ordinal);
    }
}
