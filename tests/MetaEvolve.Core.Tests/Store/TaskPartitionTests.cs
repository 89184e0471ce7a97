using MetaEvolve.Testing;

namespace MetaEvolve.Core.Tests.Store;

[Trait(Services.Trait, Services.Needed)]
public class TaskPartitionTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static async Task<StoreSchema> MigratedSchemaAsync()
    {
        var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        return schema;
    }

    // Inserts a task created at `createdAt` and returns the partition it landed in (unqualified:
    // the data source searches the test schema only).
    private static async Task<string?> InsertTaskAsync(StoreSchema schema, DateTimeOffset createdAt)
    {
        var id = Guid.CreateVersion7(createdAt);
        await schema.ExecuteAsync(
            "INSERT INTO tasks (id, created_at, namespace, agent, pool, input) VALUES ($1, uuid_v7_time($1), 'default', 'a', 'p', '{}')",
            id);
        return await schema.ScalarAsync<string>("SELECT tableoid::regclass::text FROM tasks WHERE id = $1", id);
    }

    [Fact]
    public async Task The_migration_creates_partitions_for_today_and_the_next_week()
    {
        await using var schema = await MigratedSchemaAsync();
        var now = DateTimeOffset.UtcNow;

        var landed = await InsertTaskAsync(schema, now);

        Assert.Equal($"tasks_{now:yyyyMMdd}", landed);
        Assert.Equal(0, await schema.ScalarAsync<int>("SELECT ensure_task_partitions(7)"));
    }

    [Fact]
    public async Task Ensure_task_partitions_creates_each_day_once_and_rows_land_in_their_day()
    {
        await using var schema = await MigratedSchemaAsync();

        var created = await schema.ScalarAsync<int>("SELECT ensure_task_partitions(2, '2031-03-30')");
        var createdAgain = await schema.ScalarAsync<int>("SELECT ensure_task_partitions(2, '2031-03-30')");

        Assert.Equal(3, created);
        Assert.Equal(0, createdAgain);
        // Partition days are UTC days: the last millisecond of a day and the first of the next part.
        Assert.Equal("tasks_20310330", await InsertTaskAsync(schema, new DateTimeOffset(2031, 3, 30, 23, 59, 59, 999, TimeSpan.Zero)));
        Assert.Equal("tasks_20310331", await InsertTaskAsync(schema, new DateTimeOffset(2031, 3, 31, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal("tasks_20310401", await InsertTaskAsync(schema, new DateTimeOffset(2031, 4, 1, 12, 0, 0, TimeSpan.FromHours(5))));
        Assert.Equal("tasks_default", await InsertTaskAsync(schema, new DateTimeOffset(2031, 4, 2, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public async Task A_row_in_the_default_partition_moves_into_its_day_when_that_partition_is_created()
    {
        await using var schema = await MigratedSchemaAsync();
        var createdAt = new DateTimeOffset(2032, 7, 14, 8, 30, 0, TimeSpan.Zero);
        Assert.Equal("tasks_default", await InsertTaskAsync(schema, createdAt));

        Assert.Equal(1, await schema.ScalarAsync<int>("SELECT ensure_task_partitions(0, '2032-07-14')"));

        Assert.Equal(
            "tasks_20320714",
            await schema.ScalarAsync<string>("SELECT tableoid::regclass::text FROM tasks WHERE created_at = $1", createdAt));
        Assert.Equal(0, await schema.ScalarAsync<long>("SELECT count(*) FROM tasks_default"));
    }

    [Fact]
    public async Task A_task_id_carries_its_creation_time_and_a_mismatch_is_rejected()
    {
        await using var schema = await MigratedSchemaAsync();
        var createdAt = new DateTimeOffset(2031, 3, 30, 10, 11, 12, 345, TimeSpan.Zero);
        var id = Guid.CreateVersion7(createdAt);

        Assert.Equal(createdAt, await schema.ScalarAsync<DateTime>("SELECT uuid_v7_time($1)", id));
        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => schema.ExecuteAsync(
            "INSERT INTO tasks (id, created_at, namespace, agent, pool, input) VALUES ($1, $2, 'default', 'a', 'p', '{}')",
            id,
            createdAt.AddSeconds(1)));
        Assert.Equal("tasks_created_at_is_id_time", error.ConstraintName);
    }

    [Fact]
    public async Task Task_status_outside_the_lifecycle_is_rejected()
    {
        await using var schema = await MigratedSchemaAsync();

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => schema.ExecuteAsync(
            "INSERT INTO tasks (id, created_at, namespace, agent, pool, input, status) VALUES ($1, uuid_v7_time($1), 'default', 'a', 'p', '{}', 'paused')",
            Guid.CreateVersion7()));

        Assert.Equal(Npgsql.PostgresErrorCodes.CheckViolation, error.SqlState);
    }
}
