using System.Text.Json;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Core.Tests.Store;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.Core.Tests.Tasks;

/// <summary>Retention keeps its promises: actionable tasks hold their day, dropped days take their idempotency keys.</summary>
[Trait(Services.Trait, Services.Needed)]
public class TaskRetentionTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    private static async Task<StoreSchema> MigratedSchemaAsync()
    {
        var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        return schema;
    }

    // A task created at noon of `day`, in the state given, with an idempotency key named after it.
    private static async Task<Guid> OldTaskAsync(StoreSchema schema, DateOnly day, string status, bool deadLettered = false)
    {
        await schema.ExecuteAsync($"SELECT ensure_task_partitions(0, '{day:yyyy-MM-dd}'::date)");
        var id = Guid.CreateVersion7(new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));
        await schema.ExecuteAsync(
            "INSERT INTO tasks (id, created_at, namespace, agent, pool, input, status, dead_lettered, idempotency_key) VALUES ($1, uuid_v7_time($1), 'default', 'a', 'p', '{}', $2, $3, $4)",
            id, status, deadLettered, $"key-{day:yyyyMMdd}");
        await schema.ExecuteAsync("INSERT INTO task_idempotency (namespace, key, task_id) VALUES ('default', $1, $2)", $"key-{day:yyyyMMdd}", id);
        return id;
    }

    private static Task<string?> PartitionAsync(StoreSchema schema, DateOnly day) =>
        schema.ScalarAsync<string>($"SELECT to_regclass('tasks_{day:yyyyMMdd}')::text");

    private static TaskPartitionMaintenance Maintenance(StoreSchema schema) =>
        new(schema.DataSource, schema.Name, NullLogger<TaskPartitionMaintenance>.Instance);

    [Fact]
    public async Task Days_past_retention_with_dead_lettered_queued_running_or_waiting_tasks_survive_and_say_why()
    {
        await using var schema = await MigratedSchemaAsync();
        var deadLetteredDay = Today.AddDays(-40);
        var queuedDay = Today.AddDays(-39);
        var runningDay = Today.AddDays(-38);
        var cleanDay = Today.AddDays(-37);
        var waitingDay = Today.AddDays(-36);
        await OldTaskAsync(schema, deadLetteredDay, "failed", deadLettered: true);
        await OldTaskAsync(schema, waitingDay, "awaiting_approval");
        await OldTaskAsync(schema, queuedDay, "queued");
        await OldTaskAsync(schema, runningDay, "running");
        await OldTaskAsync(schema, cleanDay, "succeeded");

        var upkeep = await Maintenance(schema).RunAsync(daysAhead: 1, retentionDays: 30, Cancellation);

        Assert.NotNull(await PartitionAsync(schema, deadLetteredDay));
        Assert.NotNull(await PartitionAsync(schema, queuedDay));
        Assert.NotNull(await PartitionAsync(schema, runningDay));
        Assert.NotNull(await PartitionAsync(schema, waitingDay));
        Assert.Null(await PartitionAsync(schema, cleanDay));
        Assert.Equal([$"tasks_{cleanDay:yyyyMMdd}"], upkeep!.Dropped);
        Assert.Equal(
            [$"tasks_{deadLetteredDay:yyyyMMdd}: 1 dead-lettered", $"tasks_{queuedDay:yyyyMMdd}: 1 queued", $"tasks_{runningDay:yyyyMMdd}: 1 running",
             $"tasks_{waitingDay:yyyyMMdd}: 1 awaiting approval"],
            upkeep.Held.Select(h => $"{h.Name}: {h.Reason}"));
        // The held days keep their keys; the dropped day's key went with it.
        Assert.Equal(
            [$"key-{deadLetteredDay:yyyyMMdd}", $"key-{queuedDay:yyyyMMdd}", $"key-{runningDay:yyyyMMdd}", $"key-{waitingDay:yyyyMMdd}"],
            await KeysAsync(schema));
    }

    [Fact]
    public async Task A_held_day_is_dropped_once_its_tasks_are_resolved()
    {
        await using var schema = await MigratedSchemaAsync();
        var day = Today.AddDays(-35);
        var id = await OldTaskAsync(schema, day, "queued");
        var maintenance = Maintenance(schema);
        Assert.Single((await maintenance.RunAsync(daysAhead: 1, retentionDays: 30, Cancellation))!.Held);

        await schema.ExecuteAsync("UPDATE tasks SET status = 'cancelled' WHERE id = $1", id);
        var upkeep = await maintenance.RunAsync(daysAhead: 1, retentionDays: 30, Cancellation);

        Assert.Empty(upkeep!.Held);
        Assert.Null(await PartitionAsync(schema, day));
        Assert.Empty(await KeysAsync(schema));
    }

    [Fact]
    public async Task A_key_whose_task_is_gone_can_be_used_again()
    {
        await using var schema = await MigratedSchemaAsync();
        var day = Today.AddDays(-33);
        var old = await OldTaskAsync(schema, day, "succeeded");
        // A key from before V1_3 outlived its day: drop the day by hand, leaving the key.
        await schema.ExecuteAsync($"DROP TABLE tasks_{day:yyyyMMdd}");
        var tasks = new TaskRepository(schema.DataSource, schema.Name);

        var reused = await tasks.EnqueueAsync(Envelope($"key-{day:yyyyMMdd}"), Cancellation);

        Assert.True(reused.Created);
        Assert.NotEqual(old, reused.TaskId);
        Assert.Equal(reused.TaskId, await schema.ScalarAsync<Guid>("SELECT task_id FROM task_idempotency WHERE key = $1", $"key-{day:yyyyMMdd}"));
    }

    [Fact]
    public async Task A_key_of_a_live_task_still_names_that_task()
    {
        await using var schema = await MigratedSchemaAsync();
        var day = Today.AddDays(-33);
        var old = await OldTaskAsync(schema, day, "succeeded");
        var tasks = new TaskRepository(schema.DataSource, schema.Name);

        var again = await tasks.EnqueueAsync(Envelope($"key-{day:yyyyMMdd}"), Cancellation);

        Assert.False(again.Created);
        Assert.Equal(old, again.TaskId);
    }

    private static TaskEnvelope Envelope(string key) => new()
    {
        Id = TaskIds.NewId(),
        Namespace = "default",
        Pool = "p",
        Agent = "a",
        Input = TaskInput.Direct("system", "echo", JsonDocument.Parse("{}").RootElement.Clone()),
        IdempotencyKey = key,
    };

    private static async Task<List<string>> KeysAsync(StoreSchema schema)
    {
        await using var command = schema.DataSource.CreateCommand("SELECT key FROM task_idempotency ORDER BY key");
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Cancellation);
        while (await reader.ReadAsync(Cancellation))
        {
            keys.Add(reader.GetString(0));
        }
        return keys;
    }
}
