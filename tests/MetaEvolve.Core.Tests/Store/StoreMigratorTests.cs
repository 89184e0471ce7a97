using MetaEvolve.Core.Store;
using MetaEvolve.Testing;
using Npgsql;

namespace MetaEvolve.Core.Tests.Store;

[Trait(Services.Trait, Services.Needed)]
public class StoreMigratorTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrating_creates_the_store_tables_in_the_given_schema()
    {
        await using var schema = await StoreSchema.CreateAsync();

        var applied = await schema.NewMigrator().MigrateAsync(Cancellation);

        Assert.Equal(["V1__store.sql", "V1_1__task_pipeline.sql", "V1_2__task_outbox.sql", "V1_3__retention.sql", "V1_4__task_submitter.sql", "V1_5__namespace_roles.sql", "V1_6__skill_proposals.sql", "V1_7__tool_approval.sql", "V1_8__mcp_skills.sql", "V1_9__regions.sql"], applied);
        foreach (var table in new[] { "agents", "skills", "skill_versions", "tasks", "tasks_default", "task_idempotency", "dead_lettered_tasks", "task_outbox", "thread_owners", "namespace_roles", "skill_proposals" })
        {
            Assert.True(
                await schema.ScalarAsync<bool>("SELECT to_regclass(format('%I.%I', $1::text, $2::text)) IS NOT NULL", schema.Name, table),
                $"table {table} is missing");
        }

        Assert.Equal(
            'p',
            await schema.ScalarAsync<char>(
                "SELECT t.relkind FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND t.relname = 'tasks'",
                schema.Name));
    }

    [Fact]
    public async Task Migrating_twice_applies_nothing_the_second_time()
    {
        await using var schema = await StoreSchema.CreateAsync();
        var migrator = schema.NewMigrator();

        var first = await migrator.MigrateAsync(Cancellation);
        var second = await migrator.MigrateAsync(Cancellation);

        Assert.NotEmpty(first);
        Assert.Empty(second);
        Assert.Equal(first.Count, await CountAppliedMigrationsAsync(schema));
    }

    [Fact]
    public async Task Up_to_date_only_when_every_migration_is_recorded_as_applied()
    {
        await using var schema = await StoreSchema.CreateAsync();
        var migrator = schema.NewMigrator();

        Assert.False(await migrator.IsUpToDateAsync(Cancellation)); // no schema yet
        await migrator.MigrateAsync(Cancellation);
        Assert.True(await migrator.IsUpToDateAsync(Cancellation));

        // A store one migration behind (an older operator migrated it): the worker must migrate, not trust it.
        await schema.ExecuteAsync($"DELETE FROM {StoreMigrator.ChangelogTable} WHERE name = 'V1_3__retention.sql'");
        Assert.False(await migrator.IsUpToDateAsync(Cancellation));
    }

    [Fact]
    public async Task Two_connections_migrating_a_fresh_schema_at_once_both_succeed_and_apply_it_once()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await using var otherDataSource = StoreDataSource.Create(Services.Connections, schema.Options);

        // Hold the migration lock so both migrators are surely waiting at once, then let them race.
        await using var holder = await schema.DataSource.OpenConnectionAsync(Cancellation);
        await LockAsync(holder, "pg_advisory_lock", schema.Name);
        var first = schema.NewMigrator().MigrateAsync(Cancellation);
        var second = schema.NewMigrator(otherDataSource).MigrateAsync(Cancellation);
        await WaitForLockWaitersAsync(schema, expected: 2);
        await LockAsync(holder, "pg_advisory_unlock", schema.Name);

        var results = await Task.WhenAll(first, second);

        Assert.Single(results, applied => applied.Count > 0);
        Assert.Single(results, applied => applied.Count == 0);
        Assert.Equal(results.Sum(applied => applied.Count), await CountAppliedMigrationsAsync(schema));
    }

    [Fact]
    public async Task Cancelling_while_waiting_for_the_lock_throws_and_leaves_the_schema_alone()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await using var holder = await schema.DataSource.OpenConnectionAsync(Cancellation);
        await LockAsync(holder, "pg_advisory_lock", schema.Name);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);

        var migrating = schema.NewMigrator().MigrateAsync(cancellation.Token);
        await WaitForLockWaitersAsync(schema, expected: 1);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => migrating);
        Assert.Null(await schema.ScalarAsync<string>("SELECT nspname::text FROM pg_namespace WHERE nspname = $1", schema.Name));
    }

    private static async Task<long> CountAppliedMigrationsAsync(StoreSchema schema) =>
        await schema.ScalarAsync<long>(
            $"SELECT count(*) FROM {schema.Name}.{StoreMigrator.ChangelogTable} WHERE name LIKE 'V%' AND success");

    private static async Task LockAsync(NpgsqlConnection connection, string function, string schemaName)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}($1, hashtext($2))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = StoreMigrator.LockNamespace });
        command.Parameters.Add(new NpgsqlParameter { Value = schemaName });
        await command.ExecuteNonQueryAsync(Cancellation);
    }

    // Polls pg_locks until the expected number of sessions wait for this schema's migration lock.
    private static async Task WaitForLockWaitersAsync(StoreSchema schema, int expected)
    {
        const string waiters = """
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted
              AND classid = $1::int4::oid AND objid = hashtext($2)::oid AND objsubid = 2
            """;
        while (await schema.ScalarAsync<long>(waiters, StoreMigrator.LockNamespace, schema.Name) < expected)
        {
            await Task.Delay(20, Cancellation);
        }
    }
}
