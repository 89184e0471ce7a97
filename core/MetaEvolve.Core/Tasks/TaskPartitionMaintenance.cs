using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Keeps the daily partitions of the tasks table: creates the next days ahead and drops days older than the
/// retention. Every worker runs it on a timer; a session advisory lock lets exactly one do the work at a time.
/// </summary>
public sealed class TaskPartitionMaintenance(NpgsqlDataSource dataSource, string schema, ILogger<TaskPartitionMaintenance> logger)
{
    private readonly string _schema = StoreIdentifier.Quote(schema);
    private readonly string _schemaName = schema;

    /// <summary>Returns false when another process holds the lock (it is doing the same work).</summary>
    public async Task<bool> RunAsync(int daysAhead, int retentionDays, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(daysAhead);
        ArgumentOutOfRangeException.ThrowIfLessThan(retentionDays, 1);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var lockKey = $"{_schemaName}.task_partition_maintenance";
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext($1))", connection))
        {
            tryLock.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lockKey });
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return false;
            }
        }
        try
        {
            await using (var ensure = new NpgsqlCommand($"SELECT {_schema}.ensure_task_partitions($1)", connection))
            {
                ensure.Parameters.Add(new NpgsqlParameter<int> { TypedValue = daysAhead });
                var created = (int)(await ensure.ExecuteScalarAsync(cancellationToken))!;
                if (created > 0)
                {
                    logger.LogInformation("Created {Count} task partitions in {Schema}", created, _schemaName);
                }
            }
            var cutoff = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-retentionDays);
            foreach (var partition in await ListDailyPartitionsAsync(connection, cancellationToken))
            {
                if (partition.Day < cutoff)
                {
                    // A whole day leaves at once: far cheaper than DELETE, and no bloat.
                    await using var drop = new NpgsqlCommand($"DROP TABLE {_schema}.\"{partition.Name}\"", connection);
                    await drop.ExecuteNonQueryAsync(cancellationToken);
                    logger.LogInformation("Dropped task partition {Schema}.{Partition} (older than {RetentionDays} days)", _schemaName, partition.Name, retentionDays);
                }
            }
            return true;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext($1))", connection);
            unlock.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lockKey });
            await unlock.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    private async Task<List<(string Name, DateOnly Day)>> ListDailyPartitionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            JOIN pg_namespace n ON n.oid = p.relnamespace
            WHERE n.nspname = $1 AND p.relname = 'tasks'
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _schemaName });
        var result = new List<(string, DateOnly)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            // Daily partitions are tasks_YYYYMMDD (ensure_task_partitions); tasks_default is never dropped.
            if (name.Length == 14 && name.StartsWith("tasks_", StringComparison.Ordinal)
                && DateOnly.TryParseExact(name.AsSpan(6), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                result.Add((name, day));
            }
        }
        return result;
    }
}
