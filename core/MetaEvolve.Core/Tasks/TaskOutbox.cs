using Npgsql;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// The outbox of accepted tasks whose message may not be in the stream yet (table <c>task_outbox</c>). The task
/// row and its entry are written together (<see cref="TaskRepository.EnqueueAsync"/>, a re-queue); the submitter
/// publishes and removes the entry, and <see cref="TaskOutboxRelay"/> publishes what a submitter left behind.
/// </summary>
public sealed class TaskOutbox
{
    /// <summary>
    /// How long a new entry belongs to its submitter. Longer than a publish can take (NATS request timeout 5 s),
    /// far shorter than the stream's duplicate window (2 min), so a relayed copy of a message that was stored is
    /// dropped by JetStream.
    /// </summary>
    public static readonly TimeSpan DefaultRelayAfter = TimeSpan.FromSeconds(10);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _takeDueSql;
    private readonly string _removeSql;

    public TaskOutbox(NpgsqlDataSource dataSource, string schema)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        var s = StoreIdentifier.Quote(schema);
        // SKIP LOCKED and the pushed-back relay_after let any number of relays share the table: an entry is
        // taken by one of them and comes back only if that relay neither published nor removed it in time.
        _takeDueSql = $"""
            WITH due AS (
                SELECT message_id FROM {s}.task_outbox
                WHERE relay_after <= now()
                ORDER BY relay_after
                LIMIT $1
                FOR UPDATE SKIP LOCKED
            ), taken AS (
                UPDATE {s}.task_outbox o SET relay_after = now() + $2
                FROM due WHERE o.message_id = due.message_id
                RETURNING o.message_id, o.task_id
            )
            SELECT taken.message_id, {TaskRepository.RecordColumns}
            FROM taken
            LEFT JOIN {s}.tasks t ON t.id = taken.task_id AND t.created_at = {s}.uuid_v7_time(taken.task_id)
            """;
        _removeSql = $"DELETE FROM {s}.task_outbox WHERE message_id = ANY($1)";
    }

    /// <summary>
    /// Takes up to <paramref name="limit"/> entries whose time has come, each leased for <paramref name="lease"/>.
    /// An entry's task is null when there is nothing left to publish: the row is gone or no longer queued.
    /// </summary>
    public async Task<List<TaskOutboxEntry>> TakeDueAsync(int limit, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_takeDueSql);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease });
        var entries = new List<TaskOutboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var messageId = reader.GetString(0);
            TaskRecord? task = null;
            if (!reader.IsDBNull(1))
            {
                task = TaskRepository.ReadRecord(reader, offset: 1);
            }
            entries.Add(new TaskOutboxEntry(messageId, task is { Status: TaskStates.Queued } ? task : null));
        }
        return entries;
    }

    /// <summary>Removes the entries of published messages.</summary>
    public async Task RemoveAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        if (messageIds.Count == 0)
        {
            return;
        }
        await using var command = _dataSource.CreateCommand(_removeSql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. messageIds] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>An outbox entry to relay: its message id, and the queued task to publish under it (null: nothing to publish).</summary>
public sealed record TaskOutboxEntry(string MessageId, TaskRecord? Task);
