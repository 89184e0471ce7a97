using System.Text.Json;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Core.Tests.Regions;

/// <summary>
/// Two regions on loopback (two nats-servers, a JetStream domain and a store each, a leafnode link between them) as
/// the README configures them: a task sent to a peer is stored by the peer's stream alone, and results come home
/// through sourcing, including those appended while the link was down.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class RegionLinkTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_task_sent_to_a_peer_is_stored_by_the_peers_stream_alone_and_a_resend_is_a_duplicate()
    {
        await Services.RequireNatsAsync();
        await using var regions = await FederatedNats.StartAsync(TestPrefix.NewNatsRoot("spill"), "a", "b");
        await using var a = new NatsConnection(new NatsOpts { Url = regions.Url("a") });
        await using var b = new NatsConnection(new NatsOpts { Url = regions.Url("b") });
        var namesA = new NatsNames(regions.Names.Root, "a");
        var namesB = new NatsNames(regions.Names.Root, "b");
        await new TaskQueueTopology(new NatsJSContext(a), namesA, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync(Cancellation);
        await new TaskQueueTopology(new NatsJSContext(b), namesB, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync(Cancellation);
        var id = TaskIds.NewId();

        var js = new NatsJSContext(a);
        var first = await js.PublishAsync(namesA.Spill("b", "ns", "p", "agent"), "{}"u8.ToArray(), opts: new NatsJSPubOpts { MsgId = id.ToString("D") }, cancellationToken: Cancellation);
        var again = await js.PublishAsync(namesA.Spill("b", "ns", "p", "agent"), "{}"u8.ToArray(), opts: new NatsJSPubOpts { MsgId = id.ToString("D") }, cancellationToken: Cancellation);
        var local = await js.PublishAsync(namesA.Task("ns", "p", "agent"), "{}"u8.ToArray(), cancellationToken: Cancellation);

        Assert.Null(first.Error);
        Assert.Equal("b", first.Domain);
        Assert.True(again.Duplicate);
        Assert.Equal("a", local.Domain);
        Assert.Equal(1, (await new NatsJSContext(a).GetStreamAsync(namesA.TaskStream, cancellationToken: Cancellation)).Info.State.Messages);
        var inB = await new NatsJSContext(b).GetStreamAsync(namesB.TaskStream, cancellationToken: Cancellation);
        Assert.Equal(1, inB.Info.State.Messages);
        var stored = await new NatsJSContext(b).GetStreamAsync(namesB.TaskStream, cancellationToken: Cancellation);
        var message = await stored.GetAsync(new NATS.Client.JetStream.Models.StreamMsgGetRequest { Seq = 1 }, Cancellation);
        Assert.Equal(namesB.Task("ns", "p", "agent"), message.Message.Subject);
    }

    [Fact]
    public async Task Results_come_home_through_sourcing_and_those_appended_while_the_link_is_down_arrive_when_it_returns()
    {
        await Services.RequireNatsAsync();
        await using var regions = await FederatedNats.StartAsync(TestPrefix.NewNatsRoot("home"), "a", "b");
        await using var a = new NatsConnection(new NatsOpts { Url = regions.Url("a") });
        await using var b = new NatsConnection(new NatsOpts { Url = regions.Url("b") });
        var namesA = new NatsNames(regions.Names.Root, "a");
        var namesB = new NatsNames(regions.Names.Root, "b");
        var jsA = new NatsJSContext(a);
        var jsB = new NatsJSContext(b);
        await new RegionStreams(jsA, namesA, ["b"], 1, NullLogger<RegionStreams>.Instance).EnsureAsync(Cancellation);
        await new RegionStreams(jsB, namesB, ["a"], 1, NullLogger<RegionStreams>.Instance).EnsureAsync(Cancellation);

        await AppendAsync(jsB, namesB, TaskIds.NewId());
        await EventuallyAsync(async () => await HomeAsync(jsA, namesA) == 1, "the result appended in b reaches a's homecoming stream");

        regions.Link("b").Cut();
        var during = TaskIds.NewId();
        await AppendAsync(jsB, namesB, during);
        await Task.Delay(1_000, Cancellation);
        Assert.Equal(1, await HomeAsync(jsA, namesA));

        regions.Link("b").Restore();
        await EventuallyAsync(async () => await HomeAsync(jsA, namesA) == 2, "the result appended while the link was down arrives after it returns");
        var consumer = await jsA.GetConsumerAsync(namesA.HomecomingStream, RegionStreams.HomecomingConsumer, Cancellation);
        var ids = new List<Guid>();
        await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 2, Expires = TimeSpan.FromSeconds(2) }, cancellationToken: Cancellation))
        {
            ids.Add(JsonSerializer.Deserialize(message.Data, RegionJsonContext.Default.TaskHomecoming)!.Id);
            await message.AckAsync(cancellationToken: Cancellation);
        }
        Assert.Contains(during, ids);
    }

    [Fact]
    public async Task A_link_cut_again_after_it_returned_is_cut_again()
    {
        await Services.RequireNatsAsync();
        await using var regions = await FederatedNats.StartAsync(TestPrefix.NewNatsRoot("recut"), "a", "b");
        await using var a = new NatsConnection(new NatsOpts { Url = regions.Url("a") });
        await using var b = new NatsConnection(new NatsOpts { Url = regions.Url("b") });
        var namesB = new NatsNames(regions.Names.Root, "b");
        await new TaskQueueTopology(new NatsJSContext(b), namesB, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync(Cancellation);
        var js = new NatsJSContext(a);

        regions.Link("b").Cut();
        var first = await SpillAsync(js, namesB);
        regions.Link("b").Restore();
        await regions.WaitForLeavesAsync();
        var between = await SpillAsync(js, namesB);
        regions.Link("b").Cut();
        var second = await SpillAsync(js, namesB);
        regions.Link("b").Restore();

        Assert.Equal((false, true, false), (first, between, second));
    }

    // True when b's stream acked a task sent to it from a within a second.
    private static async Task<bool> SpillAsync(NatsJSContext js, NatsNames names)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            var ack = await js.PublishAsync(names.Spill("b", "ns", "p", "agent"), "{}"u8.ToArray(), opts: new NatsJSPubOpts { MsgId = Guid.NewGuid().ToString("D") }, cancellationToken: timeout.Token);
            return ack.Domain == "b";
        }
        catch (Exception ex) when ((ex is NatsException or OperationCanceledException) && !Cancellation.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task AppendAsync(NatsJSContext js, NatsNames names, Guid id)
    {
        var result = new TaskHomecoming { Id = id, Status = TaskStates.Succeeded, Region = names.Region!, Attempts = 1 };
        var ack = await js.PublishAsync(names.Homeward(names.Region!, "a", id), JsonSerializer.SerializeToUtf8Bytes(result, RegionJsonContext.Default.TaskHomecoming),
            opts: new NatsJSPubOpts { MsgId = result.MessageId }, cancellationToken: Cancellation);
        Assert.Null(ack.Error);
    }

    private static async Task<long> HomeAsync(NatsJSContext js, NatsNames names) =>
        (await js.GetStreamAsync(names.HomecomingStream, cancellationToken: Cancellation)).Info.State.Messages;

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting until {what}");
            await Task.Delay(100, Cancellation);
        }
    }
}
