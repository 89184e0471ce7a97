using EvolveDb.Dialect;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MetaEvolve.Core.Store;

/// <summary>
/// Applies the versioned SQL migrations embedded in this assembly (Store/Migrations/V*.sql) with
/// Evolve. Every process may call it at start: a PostgreSQL advisory lock per schema lets one
/// migrate while the others wait, and they then find nothing left to do.
/// </summary>
public sealed class StoreMigrator(NpgsqlDataSource dataSource, StoreOptions options, ILogger<StoreMigrator> logger)
{
    /// <summary>
    /// First half of the migration lock, <c>pg_advisory_lock(LockNamespace, hashtext(schema))</c>:
    /// marks the key as ours ("MEVO") so it cannot collide with other users of advisory locks.
    /// Anything that changes a store schema outside the migrations should hold the same lock.
    /// </summary>
    public const int LockNamespace = 0x4D45564F;

    private const string MigrationResourcePrefix = "MetaEvolve.Core.Store.Migrations.";

    /// <summary>The table in the store schema where Evolve records applied migrations.</summary>
    public const string ChangelogTable = "schema_changelog";

    /// <summary>
    /// Migrates <see cref="StoreOptions.Schema"/> to the newest version and returns the names of the
    /// migrations this call applied (empty when the schema was already up to date). Cancellation stops
    /// the wait for the lock; once migrating, it runs to the end so no migration is left half-applied.
    /// </summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            // Inside the try: a cancellation can race with the grant, and a session lock left on a
            // pooled connection would block every later migration. Unlocking a lock not held is harmless.
            await AcquireLockAsync(lockConnection, cancellationToken);
            // Evolve is synchronous; keep it off the caller's thread.
            var applied = await Task.Run(RunEvolve, CancellationToken.None);
            if (applied.Count > 0)
            {
                logger.LogInformation("Migrated store schema {Schema}: applied {Migrations}", options.Schema, applied);
            }
            else
            {
                logger.LogDebug("Store schema {Schema} is up to date", options.Schema);
            }

            return applied;
        }
        finally
        {
            await ReleaseLockAsync(lockConnection);
        }
    }

    /// <summary>
    /// Whether every embedded migration is recorded as applied, in one query and without Evolve or the lock: a process
    /// that starts often (a worker waking from zero) checks this first and migrates only when it is behind. It does not
    /// validate checksums; the full <see cref="MigrateAsync"/> (the operator's leader runs it at every start) does.
    /// </summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken cancellationToken)
    {
        var embedded = typeof(StoreMigrator).Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(MigrationResourcePrefix, StringComparison.Ordinal))
            .Select(name => name[MigrationResourcePrefix.Length..])
            .ToList();
        await using var command = dataSource.CreateCommand(
            $"SELECT name FROM {Tasks.StoreIdentifier.Quote(options.Schema)}.{ChangelogTable} WHERE success");
        var applied = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                applied.Add(reader.GetString(0));
            }
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return false;
        }
        return embedded.All(applied.Contains);
    }

    private async Task AcquireLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Blocks in the server until the holder releases it (or its session ends), then wakes at once.
        await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@ns, hashtext(@schema))", connection);
        command.Parameters.AddWithValue("ns", LockNamespace);
        command.Parameters.AddWithValue("schema", options.Schema);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task ReleaseLockAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@ns, hashtext(@schema))", connection);
            command.Parameters.AddWithValue("ns", LockNamespace);
            command.Parameters.AddWithValue("schema", options.Schema);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException exception)
        {
            // A broken connection has lost its session, and the server released the lock with it.
            logger.LogWarning(exception, "Could not release the migration lock of store schema {Schema}", options.Schema);
        }
    }

    private List<string> RunEvolve()
    {
        using var connection = dataSource.CreateConnection();
        var evolve = new EvolveDb.Evolve(connection, message => logger.LogDebug("Evolve: {Message}", message), DBMS.PostgreSQL)
        {
            Schemas = [options.Schema],
            MetadataTableSchema = options.Schema,
            MetadataTableName = ChangelogTable,
            EmbeddedResourceAssemblies = [typeof(StoreMigrator).Assembly],
            EmbeddedResourceFilters = [MigrationResourcePrefix],
            Placeholders = new Dictionary<string, string> { ["${schema}"] = options.Schema },
            // Evolve's own cluster lock is one fixed key for the whole database (unrelated schemas,
            // such as parallel tests, would wait on each other) and polls every 3 s with a sleep that
            // cannot be cancelled; the per-schema lock above replaces it.
            EnableClusterMode = false,
            IsEraseDisabled = true,
        };
        evolve.Migrate();
        return [.. evolve.AppliedMigrations];
    }
}
