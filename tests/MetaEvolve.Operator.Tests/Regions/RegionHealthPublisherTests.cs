using System.Text.Json;
using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NATS.Client.Core;
using Prometheus;
using static MetaEvolve.Operator.Tests.Pools.PoolFixtures;

namespace MetaEvolve.Operator.Tests.Regions;

/// <summary>The leader's announcement of its pools, as every region hears it on NATS.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class RegionHealthPublisherTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_announcement_of_the_region_arrives_on_its_health_subject_with_each_pool()
    {
        await Services.RequireNatsAsync();
        await using var nats = new NatsConnection(new NatsOpts { Url = Services.Connections.NatsUrl });
        var names = new NatsNames(TestPrefix.NewNatsRoot("health"), "a");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var state = new ClusterState();
        var pool = Pool(spec => spec.Federation = new AgentPoolFederation { Peers = ["b"], FailoverAfterSeconds = 30 });
        state.Add<V1Alpha1AgentPool>().Replace([pool]);
        state.Add<V1Deployment>().Replace([new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = PoolNames.Deployment(pool), NamespaceProperty = "team-a" },
            Spec = new V1DeploymentSpec { Replicas = 2 },
            Status = new V1DeploymentStatus { ReadyReplicas = 0 },
        }]);
        var samples = new QueueSamples(new OperatorMetrics(Metrics.NewCustomRegistry()));
        samples.Record(ObjectKey.Of(pool), new QueueLag(4, 1, 0, time.GetUtcNow().UtcDateTime));
        var settings = Settings with { Names = names, Regions = new RegionSettings("a", ["b"]) };
        var publisher = new RegionHealthPublisher(nats, names, state, samples, new OperatorOptions(), settings, time, NullLogger<RegionHealthPublisher>.Instance);
        await using var heard = await nats.SubscribeCoreAsync<byte[]>(names.AllRegionHealth, cancellationToken: Cancellation);

        await publisher.PublishAsync(Cancellation);
        time.Advance(TimeSpan.FromSeconds(31));
        await publisher.PublishAsync(Cancellation);

        var first = await ReadAsync(heard, names.RegionHealth("a"));
        var second = await ReadAsync(heard, names.RegionHealth("a"));
        Assert.Equal(("a", 2.0), (second.Region, second.IntervalSeconds));
        Assert.Equal(time.GetUtcNow(), second.At);
        var general = Assert.Single(second.Pools);
        Assert.Equal(("team-a", "general", 0, 5L, 31.0), (general.Namespace, general.Pool, general.ReadyWorkers, general.Lag, general.UnavailableSeconds));
        Assert.Equal(["b"], general.Federation!.Peers);
        Assert.Equal((null, 30), (general.Federation.SpillOverLag, general.Federation.FailoverAfterSeconds));
        Assert.True(general.FailedOver);
        Assert.False(Assert.Single(first.Pools).FailedOver);
    }

    private static async Task<RegionHealth> ReadAsync(INatsSub<byte[]> sub, string subject)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var message = await sub.Msgs.ReadAsync(timeout.Token);
        Assert.Equal(subject, message.Subject);
        return JsonSerializer.Deserialize(message.Data, RegionJsonContext.Default.RegionHealth)!;
    }
}
