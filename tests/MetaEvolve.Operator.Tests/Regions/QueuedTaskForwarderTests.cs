using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Prometheus;

namespace MetaEvolve.Operator.Tests.Regions;

/// <summary>
/// Queued tasks of a failed-over pool move from region a to region b (two nats-servers over a leafnode, a store each):
/// each once, acked in a only after b's stream took it, and none lost while the link is cut.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class QueuedTaskForwarderTests
{
    private const string Ns = "team-a";
    private const string Pool = "general";
    private static readonly PoolConsumerSettings General = new(Ns, Pool, TimeSpan.FromSeconds(30), 5, 2, 4);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private sealed record TwoRegions(FederatedNats Nats, NatsConnection A, NatsConnection B, NatsNames NamesA, NatsNames NamesB, RegionStore StoreA, RegionStore StoreB) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            await StoreA.DisposeAsync();
            await StoreB.DisposeAsync();
            await Nats.DisposeAsync();
        }
    }

    private static async Task<TwoRegions> StartAsync(string label)
    {
        await Services.RequireNatsAsync();
        var nats = await FederatedNats.StartAsync(TestPrefix.NewNatsRoot(label), "a", "b");
        var regions = new TwoRegions(nats, new NatsConnection(new NatsOpts { Url = nats.Url("a") }), new NatsConnection(new NatsOpts { Url = nats.Url("b") }),
            new NatsNames(nats.Names.Root, "a"), new NatsNames(nats.Names.Root, "b"),
            await RegionStore.CreateAsync("a", Cancellation), await RegionStore.CreateAsync("b", Cancellation));
        await new TaskQueueTopology(new NatsJSContext(regions.A), regions.NamesA, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureConsumerAsync(General, Cancellation);
        await new TaskQueueTopology(new NatsJSContext(regions.B), regions.NamesB, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureConsumerAsync(General, Cancellation);
        return regions;
    }

    /// <summary>Tasks queued in a (store and stream, as the gateway queues them) and one message that is no task.</summary>
    private static async Task<List<Guid>> QueueInAAsync(TwoRegions regions, int count)
    {
        var envelopes = Enumerable.Range(0, count).Select(i => new TaskEnvelope
        {
            Id = TaskIds.NewId(),
            Namespace = Ns,
            Pool = Pool,
            Agent = "echo",
            Input = TaskInput.Direct("text", "echo", JsonDocument.Parse($$"""{"n":{{i}}}""").RootElement.Clone()),
            Origin = "a",
            Region = "a",
        }).ToList();
        await regions.StoreA.Tasks.EnqueueManyAsync(envelopes, Cancellation);
        var publisher = new TaskPublisher(new NatsJSContext(regions.A), regions.NamesA);
        foreach (var envelope in envelopes)
        {
            await publisher.PublishAsync(envelope, cancellationToken: Cancellation);
        }

        await new NatsJSContext(regions.A).PublishAsync(regions.NamesA.Task(Ns, Pool, "echo"), "not a task"u8.ToArray(), cancellationToken: Cancellation);
        return [.. envelopes.Select(e => e.Id)];
    }

    /// <summary>a's board as the operators' announcements would fill it: a's pool failed over, b's takes work.</summary>
    private static RegionHealthBoard Board(TwoRegions regions, long queued)
    {
        var board = new RegionHealthBoard(regions.A, regions.NamesA, TimeProvider.System, NullLogger<RegionHealthBoard>.Instance);
        var now = DateTimeOffset.UtcNow;
        board.Record(new RegionHealth
        {
            Region = "a",
            At = now,
            IntervalSeconds = 600,
            Pools = [new PoolHealth(Ns, Pool, 0, queued, 120, new PoolFederation(["b"], null, 60))],
        });
        board.Record(new RegionHealth { Region = "b", At = now, IntervalSeconds = 600, Pools = [new PoolHealth(Ns, Pool, 2, 0, null, null)] });
        return board;
    }

    private static QueuedTaskForwarder Forwarder(TwoRegions regions, RegionHealthBoard board, OperatorMetrics metrics, ILogger<QueuedTaskForwarder>? logger = null) =>
        new(regions.A, regions.NamesA, board, regions.StoreA.Tasks, metrics, new OperatorOptions(), TimeProvider.System, logger ?? NullLogger<QueuedTaskForwarder>.Instance)
        {
            RetryDelay = TimeSpan.FromSeconds(2),
        };

    private static async Task<long> MessagesAsync(NatsConnection connection, NatsNames names) =>
        (long)(await new NatsJSContext(connection).GetStreamAsync(names.TaskStream, cancellationToken: Cancellation)).Info.State.Messages;

    /// <summary>Takes every task in b's queue as b's workers would, claiming each in b's store; returns the claimed ids and the messages that were no task.</summary>
    private static async Task<(List<Guid> Claimed, int Malformed)> RunInBAsync(TwoRegions regions)
    {
        var consumer = await new NatsJSContext(regions.B).GetConsumerAsync(regions.NamesB.TaskStream, regions.NamesB.PoolConsumer(Ns, Pool), Cancellation);
        var claimed = new List<Guid>();
        var malformed = 0;
        while (true)
        {
            var fetched = 0;
            await foreach (var message in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 100 }, cancellationToken: Cancellation))
            {
                fetched++;
                Assert.Equal(regions.NamesB.Task(Ns, Pool, "echo"), message.Subject);
                try
                {
                    var envelope = TaskEnvelopeCodec.Decode(message.Data);
                    var claim = Assert.Single(await regions.StoreB.Tasks.ClaimAsync([new TaskDelivery(envelope, message.Metadata!.Value.Sequence.Stream)], "b", Cancellation));
                    if (claim.Claimed)
                    {
                        claimed.Add(envelope.Id);
                    }
                }
                catch (InvalidTaskException)
                {
                    malformed++;
                }

                await message.AckAsync(cancellationToken: Cancellation);
            }

            if (fetched == 0)
            {
                return (claimed, malformed);
            }
        }
    }

    [Fact]
    public async Task Queued_tasks_of_a_failed_over_pool_move_to_the_peer_once_each_and_the_origin_records_where_they_went()
    {
        await using var regions = await StartAsync("forward");
        var ids = await QueueInAAsync(regions, 150);
        var metrics = new OperatorMetrics(Metrics.NewCustomRegistry());
        var forwarder = Forwarder(regions, Board(regions, ids.Count + 1), metrics);

        var moved = await forwarder.ForwardOnceAsync(Cancellation);
        var again = await forwarder.ForwardOnceAsync(Cancellation);

        Assert.Equal((ids.Count + 1, 0), (moved, again));
        Assert.Equal(0, await MessagesAsync(regions.A, regions.NamesA));
        Assert.Equal(ids.Count + 1, await MessagesAsync(regions.B, regions.NamesB));
        Assert.Equal(ids.Count + 1, metrics.TasksForwarded.WithLabels(Ns, Pool, "b").Value);
        foreach (var id in ids)
        {
            var row = await regions.StoreA.Tasks.GetAsync(id, Cancellation);
            Assert.Equal((TaskStates.Queued, "a", "b"), (row!.Status, row.SubmittedRegion, row.Region));
        }

        var (claimed, malformed) = await RunInBAsync(regions);
        Assert.Equal(ids.Order(), claimed.Order());
        Assert.Equal(1, malformed);
    }

    [Fact]
    public async Task With_the_link_cut_nothing_is_acked_in_the_origin_and_nothing_is_lost_and_the_tasks_move_once_it_returns()
    {
        await using var regions = await StartAsync("cutlink");
        var ids = await QueueInAAsync(regions, 20);
        var board = Board(regions, ids.Count + 1);
        var forwarder = Forwarder(regions, board, new OperatorMetrics(Metrics.NewCustomRegistry()));

        regions.Nats.Link("b").Cut();
        var whileCut = await forwarder.ForwardOnceAsync(Cancellation);

        Assert.Equal(0, whileCut);
        Assert.Equal(ids.Count + 1, await MessagesAsync(regions.A, regions.NamesA));
        foreach (var id in ids)
        {
            Assert.Equal("a", (await regions.StoreA.Tasks.GetAsync(id, Cancellation))!.Region);
        }

        regions.Nats.Link("b").Restore();
        await regions.Nats.WaitForLeavesAsync();
        var moved = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (moved < ids.Count + 1 && DateTime.UtcNow < deadline)
        {
            moved += await forwarder.ForwardOnceAsync(Cancellation);
            await Task.Delay(200, Cancellation);
        }

        Assert.Equal(ids.Count + 1, moved);
        Assert.Equal(0, await MessagesAsync(regions.A, regions.NamesA));
        var (claimed, malformed) = await RunInBAsync(regions);
        Assert.Equal(ids.Order(), claimed.Order());
        Assert.Equal(1, malformed);
    }

    [Fact]
    public async Task A_peer_whose_stream_does_not_ack_gets_nothing_and_every_task_stays_queued_in_the_origin()
    {
        await using var regions = await StartAsync("noack");
        var ids = await QueueInAAsync(regions, 10);
        // b's JetStream answers, but no stream of b stores the pool's tasks: no publish gets a PubAck.
        await new NatsJSContext(regions.B).DeleteStreamAsync(regions.NamesB.TaskStream, Cancellation);
        var logger = new RecordingLogger<QueuedTaskForwarder>();
        var forwarder = Forwarder(regions, Board(regions, ids.Count + 1), new OperatorMetrics(Metrics.NewCustomRegistry()), logger);

        var moved = await forwarder.ForwardOnceAsync(Cancellation);

        Assert.Equal(0, moved);
        Assert.Contains("could not move to region b", Assert.Single(logger.Warnings), StringComparison.Ordinal);
        Assert.Equal(ids.Count + 1, await MessagesAsync(regions.A, regions.NamesA));
        foreach (var id in ids)
        {
            var row = await regions.StoreA.Tasks.GetAsync(id, Cancellation);
            Assert.Equal((TaskStates.Queued, "a"), (row!.Status, row.Region));
        }
    }

    [Fact]
    public async Task A_task_whose_last_delivery_could_not_move_is_recorded_as_a_dead_letter_and_taken_off_the_stream()
    {
        await using var regions = await StartAsync("lastdelivery");
        // One delivery per task, and one more to record its dead letter (max_deliver 2).
        await new TaskQueueTopology(new NatsJSContext(regions.A), regions.NamesA, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance)
            .EnsureConsumerAsync(General with { MaxDeliver = 1 }, Cancellation);
        var ids = await QueueInAAsync(regions, 3);
        await new NatsJSContext(regions.B).DeleteStreamAsync(regions.NamesB.TaskStream, Cancellation);
        var forwarder = Forwarder(regions, Board(regions, ids.Count + 1), new OperatorMetrics(Metrics.NewCustomRegistry()));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await MessagesAsync(regions.A, regions.NamesA) > 0 && DateTime.UtcNow < deadline)
        {
            Assert.Equal(0, await forwarder.ForwardOnceAsync(Cancellation));
            await Task.Delay(500, Cancellation);
        }

        Assert.Equal(0, await MessagesAsync(regions.A, regions.NamesA));
        foreach (var id in ids)
        {
            var row = (await regions.StoreA.Tasks.GetAsync(id, Cancellation))!;
            Assert.Equal((TaskStates.Failed, true), (row.Status, row.DeadLettered));
            Assert.StartsWith("dead-lettered: its pool had no ready worker and no peer took it", row.Error, StringComparison.Ordinal);
        }
        var failed = await regions.StoreA.Tasks.ListAsync(Ns, TaskStates.Failed, deadLetteredOnly: false, limit: 10, since: TimeSpan.FromHours(1), cancellationToken: Cancellation);
        Assert.Contains(failed, t => t.Error is { } error && error.StartsWith("invalid task:", StringComparison.Ordinal));
    }
}
