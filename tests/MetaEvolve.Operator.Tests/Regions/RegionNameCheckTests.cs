using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Operator.Tests.Regions;

/// <summary>
/// The start-up refusal on two real regions (FederatedNats): an operator whose region name a peer already uses for its
/// durables does not start; a pair with names of their own does, and so does one whose peer is out of reach.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class RegionNameCheckTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly PoolConsumerSettings General = new("team-a", "general", TimeSpan.FromSeconds(30), 5, 2, 4);

    private static async Task<NatsNames> ConsumerOfRegionAsync(NatsConnection connection, string root, string streamRegion, string consumerRegion)
    {
        // The stream is the region's own; the durable is named as an operator of consumerRegion would name it.
        var stream = new TaskQueueTopology(new NatsJSContext(connection), new NatsNames(root, streamRegion), new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance);
        await stream.EnsureStreamAsync(Cancellation);
        await new TaskQueueTopology(new NatsJSContext(connection), new NatsNames(root, consumerRegion), new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance)
            .EnsureConsumerAsync(General, Cancellation);
        return new NatsNames(root, streamRegion);
    }

    private static RegionNameCheck Check(NatsConnection connection, string root, string region, string[] peers, ILogger<RegionNameCheck>? logger = null) =>
        new(connection, new NatsNames(root, region), peers, logger ?? NullLogger<RegionNameCheck>.Instance);

    [Fact]
    public async Task A_region_whose_name_a_peer_already_uses_for_its_durables_refuses_to_start()
    {
        await Services.RequireNatsAsync();
        var root = TestPrefix.NewNatsRoot("collide");
        await using var regions = await FederatedNats.StartAsync(root, "a", "b");
        await using var a = new NatsConnection(new NatsOpts { Url = regions.Url("a") });
        await using var b = new NatsConnection(new NatsOpts { Url = regions.Url("b") });
        // b's operator was (mis)configured as region a: its durables carry a's prefix.
        await ConsumerOfRegionAsync(b, root, "b", "a");

        var refused = await Assert.ThrowsAsync<RegionNameCollisionException>(() => Check(a, root, "a", ["b"]).CheckAsync(Cancellation));

        Assert.StartsWith("region 'a': peer 'b' already has durable consumers named a_... (a_pool-team-a-general)", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("two regions share the name 'a'; set a unique METAEVOLVE_REGION", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pair_with_names_of_their_own_starts_and_so_does_a_region_whose_peer_is_out_of_reach()
    {
        await Services.RequireNatsAsync();
        var root = TestPrefix.NewNatsRoot("clean");
        await using var regions = await FederatedNats.StartAsync(root, "a", "b");
        await using var a = new NatsConnection(new NatsOpts { Url = regions.Url("a") });
        await using var b = new NatsConnection(new NatsOpts { Url = regions.Url("b") });
        await ConsumerOfRegionAsync(a, root, "a", "a");
        await ConsumerOfRegionAsync(b, root, "b", "b");

        var checkedPair = new RecordingLogger<RegionNameCheck>();
        await Check(a, root, "a", ["b"], checkedPair).CheckAsync(Cancellation);
        await Check(b, root, "b", ["a"], checkedPair).CheckAsync(Cancellation);
        Assert.Empty(checkedPair.Warnings);

        regions.Link("b").Cut();
        var unreachable = new RecordingLogger<RegionNameCheck>();
        await Check(a, root, "a", ["b"], unreachable).CheckAsync(Cancellation);
        Assert.Contains("Region a: peer b did not answer at start", Assert.Single(unreachable.Warnings), StringComparison.Ordinal);
    }
}
