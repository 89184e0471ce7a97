using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Keeps the daily partitions of the tasks table: creates the next days ahead and drops days older than the
/// retention, unless a day still holds tasks that ask for action (dead-lettered, queued, running, awaiting approval): such a day is
/// held, and reported, until they are resolved. A dropped day takes its idempotency keys with it. The operator's
/// leader runs it on a timer (workers only create days ahead); a session advisory lock lets one process at a time
/// do the work.
/// </summary>
public sealed class TaskPartitionMaintenance(NpgsqlDataSource dataSource, string schema, ILogger<TaskPartitionMaintenance> logger)
{
    private readonly string _schema = StoreIdentifier.Quote(schema);
    private readonly string _schemaName = schema;

    /// <summary>
    /// Creates the partitions ahead and, when <paramref name="retentionDays"/> is set, drops the clean days older than
    /// it. Returns null when another process holds the lock (it is doing the same work).
    /// </summary>
    public async Task<TaskPartitionUpkeep?> RunAsync(int daysAhead, int? retentionDays, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(daysAhead);
        if (retentionDays is { } days)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(days, 1, nameof(retentionDays));
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var lockKey = $"{_schemaName}.task_partition_maintenance";
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtext($1))", connection))
        {
            tryLock.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lockKey });
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return null;
            }
        }
        try
        {
            int created;
            await using (var ensure = new NpgsqlCommand($"SELECT {_schema}.ensure_upcoming_task_partitions($1)", connection))
            {
                ensure.Parameters.Add(new NpgsqlParameter<int> { TypedValue = daysAhead });
                created = (int)(await ensure.ExecuteScalarAsync(cancellationToken))!;
                if (created > 0)
                {
                    logger.LogInformation("Created {Count} task partitions in {Schema}", created, _schemaName);
                }
            }
            var dropped = new List<string>();
            var held = new List<HeldTaskPartition>();
            if (retentionDays is { } retention)
            {
                var cutoff = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-retention);
                foreach (var (name, day) in await ListDailyPartitionsAsync(connection, cancellationToken))
                {
                    if (day >= cutoff)
                    {
                        continue;
                    }
                    var actionable = await CountActionableAsync(connection, null, name, day, cancellationToken);
                    if (actionable is null)
                    {
                        actionable = await DropIfStillCleanAsync(connection, name, day, cancellationToken);
                    }
                    if (actionable is { } keep)
                    {
                        held.Add(keep);
                        logger.LogWarning(
                            "Keeping task partition {Schema}.{Partition} past its {RetentionDays}-day retention: {Reason} task(s) still ask for action",
                            _schemaName, name, retention, keep.Reason);
                        continue;
                    }
                    dropped.Add(name);
                    logger.LogInformation("Dropped task partition {Schema}.{Partition} and its idempotency keys (older than {RetentionDays} days)", _schemaName, name, retention);
                }
            }
            return new TaskPartitionUpkeep(created, dropped, held);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtext($1))", connection);
            unlock.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lockKey });
            await unlock.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Drops the day with its idempotency keys in one transaction, after checking again under a lock that lets
    /// readers in but no writer: nothing can become actionable between the check and the drop. Returns the day as
    /// held when the check finds a row after all.
    /// </summary>
    private async Task<HeldTaskPartition?> DropIfStillCleanAsync(NpgsqlConnection connection, string name, DateOnly day, CancellationToken cancellationToken)
    {
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using (var guard = new NpgsqlCommand($"SET LOCAL lock_timeout = '10s'; LOCK TABLE {_schema}.\"{name}\" IN SHARE MODE", connection, tx))
        {
            await guard.ExecuteNonQueryAsync(cancellationToken);
        }
        if (await CountActionableAsync(connection, tx, name, day, cancellationToken) is { } held)
        {
            await tx.RollbackAsync(cancellationToken);
            return held;
        }
        // Keys are found by their task's day (task ids are UUIDv7), through the index of V1_3.
        await using (var keys = new NpgsqlCommand($"DELETE FROM {_schema}.task_idempotency WHERE {_schema}.uuid_v7_time(task_id) >= $1 AND {_schema}.uuid_v7_time(task_id) < $2", connection, tx))
        {
            keys.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            keys.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await keys.ExecuteNonQueryAsync(cancellationToken);
        }
        // A whole day leaves at once: far cheaper than DELETE, and no bloat.
        await using (var drop = new NpgsqlCommand($"DROP TABLE {_schema}.\"{name}\"", connection, tx))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return null;
    }

    /// <summary>The day's tasks that still ask for action, or null when there are none.</summary>
    private async Task<HeldTaskPartition?> CountActionableAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string name, DateOnly day, CancellationToken cancellationToken)
    {
        var sql = $"""
            SELECT count(*) FILTER (WHERE dead_lettered),
                   count(*) FILTER (WHERE status = 'queued' AND NOT dead_lettered),
                   count(*) FILTER (WHERE status = 'running' AND NOT dead_lettered),
                   count(*) FILTER (WHERE status = 'awaiting_approval')
            FROM {_schema}."{name}"
            WHERE dead_lettered OR status IN ('queued', 'running', 'awaiting_approval')
            """;
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var held = new HeldTaskPartition(name, day, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        return held.DeadLettered + held.Queued + held.Running + held.AwaitingApproval == 0 ? null : held;
    }

    private async Task<List<(string Name, DateOnly Day)>> ListDailyPartitionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            JOIN pg_namespace n ON n.oid = p.relnamespace
            WHERE n.nspname = $1 AND p.relname = 'tasks'
            ORDER BY c.relname
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
