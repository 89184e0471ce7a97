using System.Text.Json;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Core.Tests.Store;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace MetaEvolve.Core.Tests.Tasks;

/// <summary>The store half of the task pipeline: idempotent enqueue, one result per task, partition upkeep.</summary>
[Trait(Services.Trait, Services.Needed)]
public class TaskPipelineStoreTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static async Task<StoreSchema> MigratedSchemaAsync()
    {
        var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        return schema;
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
    public async Task Same_idempotency_key_yields_the_first_task()
    {
        await using var schema = await MigratedSchemaAsync();
        var tasks = new TaskRepository(schema.DataSource, schema.Name);

        var first = await tasks.EnqueueAsync(Envelope("k1"), Cancellation);
        var second = await tasks.EnqueueAsync(Envelope("k1"), Cancellation);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.TaskId, second.TaskId);
        Assert.Equal(1L, await schema.ScalarAsync<long>("SELECT count(*) FROM tasks"));
    }

    [Fact]
    public async Task A_result_is_recorded_once_and_a_later_claim_says_so()
    {
        await using var schema = await MigratedSchemaAsync();
        var tasks = new TaskRepository(schema.DataSource, schema.Name);
        var envelope = Envelope();

        var claim = Assert.Single(await tasks.ClaimAsync([new TaskDelivery(envelope, 1)], cancellationToken: Cancellation));
        Assert.True(claim.Claimed);
        Assert.Equal(1, claim.Attempts);
        Assert.Single(await tasks.CompleteAsync([new TaskCompletion(envelope.Id, TaskStates.Succeeded, "{\"ok\":1}")], Cancellation));

        // A second result for the same task (a redelivery racing the first) changes nothing.
        Assert.Empty(await tasks.CompleteAsync([new TaskCompletion(envelope.Id, TaskStates.Failed, Error: "late")], Cancellation));
        var again = Assert.Single(await tasks.ClaimAsync([new TaskDelivery(envelope, 1)], cancellationToken: Cancellation));
        Assert.False(again.Claimed);
        Assert.Equal(TaskStates.Succeeded, again.Status);

        var record = await tasks.GetAsync(envelope.Id, Cancellation);
        Assert.Equal(TaskStates.Succeeded, record!.Status);
        Assert.Equal("{\"ok\": 1}", record.OutputJson);
        Assert.Null(record.Error);
    }

    [Fact]
    public async Task Only_a_redelivery_of_the_claiming_message_takes_over_a_running_task()
    {
        await using var schema = await MigratedSchemaAsync();
        var tasks = new TaskRepository(schema.DataSource, schema.Name);
        var envelope = Envelope();
        Assert.True(Assert.Single(await tasks.ClaimAsync([new TaskDelivery(envelope, 7)], cancellationToken: Cancellation)).Claimed);

        // A second copy of the task's message (published again after the duplicate window) must not run it twice.
        var copy = Assert.Single(await tasks.ClaimAsync([new TaskDelivery(envelope, 8)], cancellationToken: Cancellation));
        Assert.False(copy.Claimed);
        Assert.Equal(TaskStates.Running, copy.Status);

        // The claiming message redelivered (its worker died) takes the task over.
        var redelivery = Assert.Single(await tasks.ClaimAsync([new TaskDelivery(envelope, 7)], cancellationToken: Cancellation));
        Assert.True(redelivery.Claimed);
        Assert.Equal(2, redelivery.Attempts);
    }

    [Fact]
    public async Task A_stale_attempt_cannot_record_once_another_attempt_has_claimed_the_task()
    {
        await using var schema = await MigratedSchemaAsync();
        var tasks = new TaskRepository(schema.DataSource, schema.Name);
        var envelope = Envelope();
        Assert.Equal(1, Assert.Single(await tasks.ClaimAsync([new TaskDelivery(envelope, 1)], cancellationToken: Cancellation)).Attempts);
        // The first worker stalls past the ack wait; the redelivery claims the task again.
        Assert.Equal(2, Assert.Single(await tasks.ClaimAsync([new TaskDelivery(envelope, 1)], cancellationToken: Cancellation)).Attempts);

        var stale = await tasks.CompleteAsync([new TaskCompletion(envelope.Id, TaskStates.Succeeded, "{\"by\":1}", Attempt: 1)], Cancellation);
        var current = await tasks.CompleteAsync([new TaskCompletion(envelope.Id, TaskStates.Succeeded, "{\"by\":2}", Attempt: 2)], Cancellation);

        Assert.Empty(stale);
        Assert.Single(current);
        Assert.Equal("{\"by\": 2}", (await tasks.GetAsync(envelope.Id, Cancellation))!.OutputJson);
    }

    [Fact]
    public async Task Partition_upkeep_drops_days_past_retention_and_keeps_the_rest()
    {
        await using var schema = await MigratedSchemaAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var old = today.AddDays(-40);
        await schema.ExecuteAsync($"SELECT ensure_task_partitions(0, '{old:yyyy-MM-dd}'::date)");
        var maintenance = new TaskPartitionMaintenance(schema.DataSource, schema.Name, NullLogger<TaskPartitionMaintenance>.Instance);

        var upkeep = await maintenance.RunAsync(daysAhead: 9, retentionDays: 30, Cancellation);

        Assert.Equal([$"tasks_{old:yyyyMMdd}"], upkeep!.Dropped);

        Assert.Null(await schema.ScalarAsync<string>($"SELECT to_regclass('tasks_{old:yyyyMMdd}')::text"));
        Assert.NotNull(await schema.ScalarAsync<string>($"SELECT to_regclass('tasks_{today:yyyyMMdd}')::text"));
        Assert.NotNull(await schema.ScalarAsync<string>($"SELECT to_regclass('tasks_{today.AddDays(9):yyyyMMdd}')::text"));
        Assert.NotNull(await schema.ScalarAsync<string>("SELECT to_regclass('tasks_default')::text"));
    }

    [Fact]
    public async Task Partition_upkeep_runs_in_one_process_at_a_time()
    {
        await using var schema = await MigratedSchemaAsync();
        var maintenance = new TaskPartitionMaintenance(schema.DataSource, schema.Name, NullLogger<TaskPartitionMaintenance>.Instance);
        await using var holder = await schema.DataSource.OpenConnectionAsync(Cancellation);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(hashtext($1))", holder))
        {
            take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{schema.Name}.task_partition_maintenance" });
            await take.ExecuteNonQueryAsync(Cancellation);
        }

        Assert.Null(await maintenance.RunAsync(daysAhead: 1, retentionDays: 30, Cancellation));
    }

    [Fact]
    public void Envelope_round_trips_and_invalid_ones_say_why()
    {
        var envelope = Envelope() with { ThreadId = "t1", TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
        var decoded = TaskEnvelopeCodec.Decode(TaskEnvelopeCodec.Encode(envelope));
        Assert.Equal(envelope.Id, decoded.Id);
        Assert.Equal("t1", decoded.ThreadId);
        Assert.Equal("echo", decoded.Input.Call!.Function);

        Assert.Contains("exactly one of 'message' or 'call'",
            Assert.Throws<InvalidTaskException>(() => TaskEnvelopeCodec.Validate(envelope with { Input = new TaskInput() })).Message, StringComparison.Ordinal);
        Assert.Contains("not a DNS-1123 label",
            Assert.Throws<InvalidTaskException>(() => TaskEnvelopeCodec.Validate(envelope with { Agent = "Bad.Agent" })).Message, StringComparison.Ordinal);
        Assert.Contains("not a UUIDv7",
            Assert.Throws<InvalidTaskException>(() => TaskEnvelopeCodec.Validate(envelope with { Id = Guid.NewGuid() })).Message, StringComparison.Ordinal);
        Assert.InRange(TaskIds.CreatedAt(TaskIds.NewId()), DateTimeOffset.UtcNow.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(1));
    }
}
