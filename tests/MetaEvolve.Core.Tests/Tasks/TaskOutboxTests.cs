using System.Text.Json;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Core.Tests.Store;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;

namespace MetaEvolve.Core.Tests.Tasks;

/// <summary>
/// The transactional outbox on real PostgreSQL and NATS: an accepted task reaches the stream even when its
/// submitter never published it, once, and relays never publish a task that has moved on.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class TaskOutboxTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private sealed class Fixture : IAsyncDisposable
    {
        private Fixture(StoreSchema schema, NATS.Client.Core.NatsConnection nats, NatsNames names)
        {
            Schema = schema;
            Nats = nats;
            Names = names;
            Js = new NatsJSContext(nats);
            Outbox = new TaskOutbox(schema.DataSource, schema.Name);
            Publisher = new TaskPublisher(Js, names);
        }

        public StoreSchema Schema { get; }
        public NATS.Client.Core.NatsConnection Nats { get; }
        public NatsNames Names { get; }
        public NatsJSContext Js { get; }
        public TaskOutbox Outbox { get; }
        public TaskPublisher Publisher { get; }

        public static async Task<Fixture> CreateAsync()
        {
            await Services.RequireNatsAsync();
            var schema = await StoreSchema.CreateAsync();
            await schema.NewMigrator().MigrateAsync(Cancellation);
            var nats = NatsConnectionFactory.Create(Services.Connections, "outbox tests");
            var names = new NatsNames(TestPrefix.NewNatsRoot("outbox"));
            await new TaskQueueTopology(new NatsJSContext(nats), names, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync(Cancellation);
            return new Fixture(schema, nats, names);
        }

        /// <summary>Tasks whose entries relays may take at once, as after a submitter that died.</summary>
        public TaskRepository Tasks(TimeSpan? relayAfter = null) => new(Schema.DataSource, Schema.Name, relayAfter ?? TimeSpan.Zero);

        public TaskOutboxRelay Relay() => new(Outbox, new TaskDispatcher(Publisher, Tasks(), Names, NullLogger<TaskDispatcher>.Instance), NullLogger<TaskOutboxRelay>.Instance);

        public async Task<long> StoredMessagesAsync() => (await Js.GetStreamAsync(Names.TaskStream, cancellationToken: Cancellation)).Info.State.Messages;

        public async Task<long> EntriesAsync() => await Schema.ScalarAsync<long>("SELECT count(*) FROM task_outbox");

        public async ValueTask DisposeAsync()
        {
            await Js.DeleteStreamAsync(Names.TaskStream, CancellationToken.None);
            await Nats.DisposeAsync();
            await Schema.DisposeAsync();
        }
    }

    private static TaskEnvelope Envelope(string? key = null) => new()
    {
        Id = TaskIds.NewId(),
        Namespace = "default",
        Pool = "p",
        Agent = "a",
        Input = TaskInput.Direct("system", "echo", JsonDocument.Parse("{\"x\":1}").RootElement.Clone()),
        IdempotencyKey = key,
    };

    [Fact]
    public async Task A_task_its_submitter_never_published_is_published_once_by_a_relay()
    {
        await using var f = await Fixture.CreateAsync();
        var envelope = Envelope("k");
        await f.Tasks().EnqueueAsync(envelope, Cancellation);

        Assert.Equal((1, 1), await f.Relay().RelayDueAsync(Cancellation));
        Assert.Equal((0, 0), await f.Relay().RelayDueAsync(Cancellation));

        Assert.Equal(1L, await f.StoredMessagesAsync());
        Assert.Equal(0L, await f.EntriesAsync());
        var consumer = await f.Js.CreateOrUpdateConsumerAsync(f.Names.TaskStream, new NATS.Client.JetStream.Models.ConsumerConfig("check") { FilterSubject = f.Names.AllTasks }, Cancellation);
        var message = await consumer.NextAsync<byte[]>(cancellationToken: Cancellation);
        Assert.NotNull(message);
        var relayed = TaskEnvelopeCodec.Decode(message.Data!);
        Assert.Equal(envelope.Id, relayed.Id);
        Assert.Equal("k", relayed.IdempotencyKey);
        Assert.Equal(f.Names.Task("default", "p", "a"), message.Subject);
    }

    [Fact]
    public async Task A_relayed_copy_of_a_message_the_stream_stored_is_dropped_as_a_duplicate()
    {
        await using var f = await Fixture.CreateAsync();
        var envelope = Envelope();
        await f.Tasks().EnqueueAsync(envelope, Cancellation);
        // Published, but the submitter died before removing the entry.
        await f.Publisher.PublishAsync(envelope, cancellationToken: Cancellation);

        Assert.Equal((1, 1), await f.Relay().RelayDueAsync(Cancellation));

        Assert.Equal(1L, await f.StoredMessagesAsync());
        Assert.Equal(0L, await f.EntriesAsync());
    }

    [Fact]
    public async Task An_entry_whose_task_already_runs_or_is_cancelled_is_removed_without_a_publish()
    {
        await using var f = await Fixture.CreateAsync();
        var tasks = f.Tasks();
        var running = Envelope();
        var cancelled = Envelope();
        await tasks.EnqueueAsync(running, Cancellation);
        await tasks.EnqueueAsync(cancelled, Cancellation);
        await tasks.ClaimAsync([new TaskDelivery(running, 1)], cancellationToken: Cancellation);
        await tasks.RequestCancelAsync(cancelled.Id, Cancellation);

        Assert.Equal((2, 0), await f.Relay().RelayDueAsync(Cancellation));

        Assert.Equal(0L, await f.StoredMessagesAsync());
        Assert.Equal(0L, await f.EntriesAsync());
    }

    [Fact]
    public async Task An_entry_belongs_to_its_submitter_until_relay_after_has_passed()
    {
        await using var f = await Fixture.CreateAsync();
        await f.Tasks(relayAfter: TimeSpan.FromHours(1)).EnqueueAsync(Envelope(), Cancellation);

        Assert.Equal((0, 0), await f.Relay().RelayDueAsync(Cancellation));
        Assert.Equal(1L, await f.EntriesAsync());
    }

    [Fact]
    public async Task Relays_running_at_once_take_each_entry_once()
    {
        await using var f = await Fixture.CreateAsync();
        var tasks = f.Tasks();
        for (var i = 0; i < 40; i++)
        {
            await tasks.EnqueueAsync(Envelope(), Cancellation);
        }

        var taken = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => f.Outbox.TakeDueAsync(40, TimeSpan.FromMinutes(1), Cancellation)));

        var ids = taken.SelectMany(batch => batch.Select(entry => entry.MessageId)).ToList();
        Assert.Equal(40, ids.Count);
        Assert.Equal(40, ids.Distinct().Count());
        // Taken entries are leased: nobody else takes them again before the lease ends.
        Assert.Empty(await f.Outbox.TakeDueAsync(40, TimeSpan.FromMinutes(1), Cancellation));
    }

    [Fact]
    public async Task A_retried_task_whose_publish_fails_is_still_relayed()
    {
        await using var f = await Fixture.CreateAsync();
        var tasks = f.Tasks();
        var envelope = Envelope();
        await tasks.EnqueueAsync(envelope, Cancellation);
        await f.Relay().RelayDueAsync(Cancellation);
        await tasks.ClaimAsync([new TaskDelivery(envelope, 1)], cancellationToken: Cancellation);
        await tasks.CompleteAsync([new TaskCompletion(envelope.Id, TaskStates.Failed, Error: "out of attempts", DeadLettered: true)], Cancellation);
        // The stream is gone when the retry publishes: the row is queued again all the same, with its outbox entry.
        await f.Js.DeleteStreamAsync(f.Names.TaskStream, Cancellation);
        var control = new TaskControl(tasks, f.Publisher, f.Outbox, f.Nats, f.Names);

        Assert.True(await control.RequeueAsync(envelope.Id, Cancellation));

        Assert.Equal(TaskStates.Queued, (await tasks.GetAsync(envelope.Id, Cancellation))!.Status);
        await new TaskQueueTopology(f.Js, f.Names, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync(Cancellation);
        Assert.Equal((1, 1), await f.Relay().RelayDueAsync(Cancellation));
        Assert.Equal(1L, await f.StoredMessagesAsync());
    }
}
