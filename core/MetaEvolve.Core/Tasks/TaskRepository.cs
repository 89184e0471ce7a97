using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// The tasks table as the pipeline uses it. Hot-path operations take batches and cost one round trip each,
/// so a worker's store load grows with batches, not tasks. Every write that records a result is guarded by
/// "status is not final": one task id, one result, however often a message is redelivered.
/// Rows are always addressed by (id, uuid_v7_time(id)) so PostgreSQL prunes to one partition.
/// </summary>
public sealed class TaskRepository
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _claimSql;
    private readonly string _completeSql;
    private readonly string _recordInvalidSql;
    private readonly string _getSql;
    private readonly string _cancelSql;
    private readonly string _requeueSql;
    private readonly string _insertQueuedSql;
    private readonly string _idempotencySql;
    private readonly string _cancelRequestedSql;
    private readonly string _discardSql;
    private readonly string _discardKeySql;
    private readonly string _listSql;
    private readonly string _countQueuedSql;
    private readonly string _failQueuedOfPoolSql;
    private readonly string _routeSql;
    private readonly string _homecomingSql;
    private readonly TimeSpan _relayAfter;

    /// <summary>The columns <see cref="ReadRecord"/> reads, in its order (from its offset).</summary>
    internal const string RecordColumns = "id, created_at, namespace, agent, pool, thread_id, status, input::text, output::text, error, attempts, dead_lettered, cancel_requested, idempotency_key, trace_parent, deadline, prompt_tokens, completion_tokens, queued_at, started_at, finished_at, submitted_by, approval::text, approval_deadline, resumes, submitted_region, region";

    /// <param name="relayAfter">
    /// How long a new outbox entry is left to its submitter before relays publish it (default
    /// <see cref="TaskOutbox.DefaultRelayAfter"/>): longer than a publish may take, shorter than the stream's duplicate window.
    /// </param>
    public TaskRepository(NpgsqlDataSource dataSource, string schema, TimeSpan? relayAfter = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _relayAfter = relayAfter ?? TaskOutbox.DefaultRelayAfter;
        var s = StoreIdentifier.Quote(schema);
        var columns = RecordColumns;

        // Insert-or-claim in one statement. Rows that exist and are final (or cancelled) are not updated;
        // the outer SELECT reads them from the statement's snapshot, so the caller learns why in the same trip.
        // A running row is taken over only by a redelivery of the message that claimed it (its worker died):
        // another copy of the task's message (published twice, beyond the duplicate window) must not run it again.
        // A message of an earlier resume (a parked task's message redelivered after a decision) does not claim either.
        _claimSql = $"""
            WITH req AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::timestamptz[], $10::bigint[], $11::int[], $13::text[])
                    AS r(id, namespace, pool, agent, thread_id, input, idempotency_key, trace_parent, deadline, sequence, resume, origin)
            ), up AS (
                INSERT INTO {s}.tasks AS t (id, created_at, namespace, pool, agent, thread_id, status, input,
                                            idempotency_key, trace_parent, deadline, attempts, started_at, claimed_by_sequence, resumes,
                                            submitted_region, region)
                SELECT id, {s}.uuid_v7_time(id), namespace, pool, agent, thread_id, 'running', input,
                       idempotency_key, trace_parent, deadline, 1, now(), sequence, resume, origin, $12
                FROM req
                ON CONFLICT (id, created_at) DO UPDATE
                    SET status = 'running', attempts = t.attempts + 1, started_at = now(), claimed_by_sequence = excluded.claimed_by_sequence,
                        region = excluded.region
                    WHERE NOT t.cancel_requested AND t.resumes = excluded.resumes
                      AND (t.status = 'queued'
                           OR (t.status = 'running' AND (t.claimed_by_sequence IS NULL OR t.claimed_by_sequence = excluded.claimed_by_sequence)))
                RETURNING t.id, t.attempts, t.error
            )
            SELECT r.id, up.id IS NOT NULL, coalesce(up.attempts, t.attempts, 0), coalesce(t.status, 'running'),
                   coalesce(t.cancel_requested, false), coalesce(up.error, t.error)
            FROM req r
            LEFT JOIN up ON up.id = r.id
            LEFT JOIN {s}.tasks t ON up.id IS NULL AND t.id = r.id AND t.created_at = {s}.uuid_v7_time(r.id)
            """;

        _completeSql = $"""
            UPDATE {s}.tasks t
            SET status = u.status, output = u.output, error = u.error, dead_lettered = u.dead_lettered,
                prompt_tokens = u.prompt_tokens, completion_tokens = u.completion_tokens,
                started_at = coalesce(t.started_at, now()),
                finished_at = CASE WHEN u.status IN ('succeeded', 'failed', 'cancelled') THEN now() END,
                approval = coalesce(u.approval, t.approval),
                conversation = CASE WHEN u.status = 'awaiting_approval' THEN u.conversation
                                    WHEN u.status = 'queued' THEN t.conversation END,
                parked_at = CASE WHEN u.status = 'awaiting_approval' THEN now() ELSE t.parked_at END,
                approval_deadline = CASE WHEN u.status = 'awaiting_approval' THEN now() + make_interval(secs => u.approval_timeout) END
            FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::boolean[], $6::int[], $7::int[], $8::int[], $9::jsonb[], $10::jsonb[], $11::int[])
                AS u(id, status, output, error, dead_lettered, prompt_tokens, completion_tokens, attempt, approval, conversation, approval_timeout)
            WHERE t.id = u.id AND t.created_at = {s}.uuid_v7_time(u.id) AND t.status IN ('queued', 'running')
              AND (u.attempt = 0 OR t.attempts = u.attempt)
            RETURNING t.id
            """;

        // A message that is not a valid task still leaves a row: the raw body and the reason.
        _recordInvalidSql = $"""
            INSERT INTO {s}.tasks AS t (id, created_at, namespace, pool, agent, status, input, error, attempts, started_at, finished_at)
            VALUES ($1, {s}.uuid_v7_time($1), $2, $3, $4, 'failed', jsonb_build_object('raw', $5::text), $6, 1, now(), now())
            ON CONFLICT (id, created_at) DO UPDATE
                SET status = 'failed', error = excluded.error, finished_at = now()
                WHERE t.status IN ('queued', 'running')
            RETURNING t.id
            """;

        _getSql = $"SELECT {columns} FROM {s}.tasks WHERE id = $1 AND created_at = {s}.uuid_v7_time($1)";

        _cancelSql = $"""
            UPDATE {s}.tasks
            SET cancel_requested = true,
                status = CASE WHEN status IN ('queued', 'awaiting_approval') THEN 'cancelled' ELSE status END,
                error = CASE WHEN status = 'queued' THEN 'cancelled before it started'
                             WHEN status = 'awaiting_approval' THEN 'cancelled while it waited for approval' ELSE error END,
                finished_at = CASE WHEN status IN ('queued', 'awaiting_approval') THEN now() ELSE finished_at END,
                conversation = CASE WHEN status = 'awaiting_approval' THEN NULL ELSE conversation END
            WHERE id = $1 AND created_at = {s}.uuid_v7_time($1)
            RETURNING status
            """;

        // With its outbox entry, in one statement: a retried task is never queued without a message on its way.
        _requeueSql = $"""
            WITH requeued AS (
                UPDATE {s}.tasks
                SET status = 'queued', dead_lettered = false, error = NULL, output = NULL, attempts = 0,
                    queued_at = now(), started_at = NULL, finished_at = NULL, claimed_by_sequence = NULL
                WHERE id = $1 AND created_at = {s}.uuid_v7_time($1) AND dead_lettered
                RETURNING {columns}
            ), outbox AS (
                INSERT INTO {s}.task_outbox (message_id, task_id, relay_after)
                SELECT $2, id, now() + $3 FROM requeued
            )
            SELECT * FROM requeued
            """;

        // The rows and their outbox entries in one statement: a task is never recorded without a message on its way.
        // Arrays, so one statement writes one submission or a group of them (the gateway's group commit).
        _insertQueuedSql = $"""
            WITH task AS (
                INSERT INTO {s}.tasks (id, created_at, namespace, pool, agent, thread_id, status, input, idempotency_key, trace_parent, deadline, submitted_by,
                                       submitted_region, region)
                SELECT id, {s}.uuid_v7_time(id), namespace, pool, agent, thread_id, 'queued', input, idempotency_key, trace_parent, deadline, submitted_by,
                       origin, region
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[], $9::timestamptz[], $11::text[], $12::text[], $13::text[])
                    AS r(id, namespace, pool, agent, thread_id, input, idempotency_key, trace_parent, deadline, submitted_by, origin, region)
                ON CONFLICT (id, created_at) DO NOTHING
                RETURNING id
            )
            INSERT INTO {s}.task_outbox (message_id, task_id, relay_after)
            SELECT id::text, id, now() + $10 FROM task
            """;

        _cancelRequestedSql = $"""
            SELECT t.id FROM unnest($1::uuid[]) AS r(id)
            JOIN {s}.tasks t ON t.id = r.id AND t.created_at = {s}.uuid_v7_time(r.id)
            WHERE t.cancel_requested
            """;

        _discardSql = $"""
            WITH outbox AS (DELETE FROM {s}.task_outbox WHERE message_id = $1::text)
            DELETE FROM {s}.tasks WHERE id = $1 AND created_at = {s}.uuid_v7_time($1) AND status = 'queued' AND attempts = 0
            """;
        _discardKeySql = $"DELETE FROM {s}.task_idempotency WHERE namespace = $1 AND key = $2 AND task_id = $3";

        // Their outbox entries go too: a relay must not publish a task nothing will run (the outbox is small).
        _failQueuedOfPoolSql = $"""
            WITH failed AS (
                UPDATE {s}.tasks SET status = 'failed', error = $3, finished_at = now()
                WHERE namespace = $1 AND pool = $2 AND status = 'queued'
                RETURNING id
            ), unsent AS (
                DELETE FROM {s}.task_outbox WHERE task_id IN (SELECT id FROM failed)
            )
            SELECT count(*)::int FROM failed
            """;

        _countQueuedSql = $"SELECT count(*) FROM {s}.tasks WHERE namespace = $1 AND status = 'queued'";

        _routeSql = $"""
            UPDATE {s}.tasks t SET region = $2
            FROM unnest($1::uuid[]) AS r(id)
            WHERE t.id = r.id AND t.created_at = {s}.uuid_v7_time(r.id) AND t.status = 'queued'
            """;

        // A result from the region that ran the task, guarded like every result: the first one recorded stays.
        _homecomingSql = $"""
            UPDATE {s}.tasks t
            SET status = u.status, output = u.output, error = u.error, dead_lettered = u.dead_lettered, attempts = u.attempts,
                prompt_tokens = u.prompt_tokens, completion_tokens = u.completion_tokens, region = u.region,
                started_at = coalesce(u.started_at, t.started_at), finished_at = coalesce(u.finished_at, now())
            FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[], $5::boolean[], $6::int[], $7::int[], $8::int[], $9::text[], $10::timestamptz[], $11::timestamptz[])
                AS u(id, status, output, error, dead_lettered, attempts, prompt_tokens, completion_tokens, region, started_at, finished_at)
            WHERE t.id = u.id AND t.created_at = {s}.uuid_v7_time(u.id) AND t.status IN ('queued', 'running')
            RETURNING t.id
            """;

        _listSql = $"""
            SELECT {columns} FROM {s}.tasks
            WHERE namespace = $1 AND ($2::text IS NULL OR status = $2) AND (NOT $3 OR dead_lettered) AND created_at >= $4
              AND ($6::text IS NULL OR submitted_by = $6)
            ORDER BY created_at DESC
            LIMIT $5
            """;

        // A key whose task is gone (its day was dropped; keys from before V1_3 outlived their days) is taken over.
        // Only a key of a task older than a day: a racer's fresh task may be committed after this statement's
        // snapshot, so its row would look missing; no day younger than that is ever dropped.
        _idempotencySql = $"""
            WITH ins AS (
                INSERT INTO {s}.task_idempotency AS k (namespace, key, task_id) VALUES ($1, $2, $3)
                ON CONFLICT (namespace, key) DO UPDATE SET task_id = excluded.task_id, created_at = now()
                    WHERE {s}.uuid_v7_time(k.task_id) < now() - interval '1 day'
                      AND NOT EXISTS (SELECT 1 FROM {s}.tasks t WHERE t.id = k.task_id AND t.created_at = {s}.uuid_v7_time(k.task_id))
                RETURNING task_id
            )
            SELECT task_id FROM ins
            UNION ALL
            SELECT task_id FROM {s}.task_idempotency WHERE namespace = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM ins)
            """;
    }

    /// <summary>
    /// The statements every task passes through in the worker and the gateway, by name, for the test that checks
    /// their cached plans use indexes.
    /// </summary>
    internal IReadOnlyDictionary<string, string> PerTaskStatements => new Dictionary<string, string>
    {
        ["claim"] = _claimSql,
        ["complete"] = _completeSql,
        ["get"] = _getSql,
        ["cancel"] = _cancelSql,
        ["cancel_requested"] = _cancelRequestedSql,
        ["idempotency"] = _idempotencySql,
    };

    /// <summary>
    /// Records a task as queued, with its outbox entry (message id = task id), before it is published. With an
    /// idempotency key already used in the namespace, nothing is written and the earlier task's id comes back.
    /// </summary>
    public async Task<EnqueueResult> EnqueueAsync(TaskEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.IdempotencyKey is not { } key)
        {
            return new EnqueueResult(envelope.Id, await EnqueueManyAsync([envelope], cancellationToken) == 1);
        }
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await using var keyCommand = new NpgsqlCommand(_idempotencySql, connection, tx);
        keyCommand.Parameters.Add(new NpgsqlParameter<string> { TypedValue = envelope.Namespace });
        keyCommand.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        keyCommand.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = envelope.Id });
        // Two submitters racing with one key: the loser's INSERT waits for the winner's commit and then does
        // nothing, but its SELECT still reads the statement's older snapshot and finds no row. Asking again
        // (a fresh snapshot) sees the winner's key; a rolled-back winner lets this INSERT succeed instead.
        object? found = null;
        for (var attempt = 0; attempt < 5 && found is null; attempt++)
        {
            found = await keyCommand.ExecuteScalarAsync(cancellationToken);
        }
        var owner = found as Guid? ?? throw new InvalidOperationException($"idempotency key '{key}' has no owner after 5 attempts");
        if (owner != envelope.Id)
        {
            await tx.CommitAsync(cancellationToken);
            return new EnqueueResult(owner, Created: false);
        }
        await using var command = new NpgsqlCommand(_insertQueuedSql, connection, tx);
        AddInsertParameters(command.Parameters, [envelope]);
        var created = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await tx.CommitAsync(cancellationToken);
        return new EnqueueResult(envelope.Id, created);
    }

    /// <summary>
    /// Records tasks without idempotency keys as queued, each with its outbox entry, in one statement (one round trip
    /// and one commit for the lot); returns how many rows were written. All or none: a failure writes nothing.
    /// </summary>
    public async Task<int> EnqueueManyAsync(IReadOnlyList<TaskEnvelope> envelopes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        if (envelopes.Any(e => e.IdempotencyKey is not null))
        {
            throw new ArgumentException("a task with an idempotency key is enqueued alone (EnqueueAsync): its key is claimed first", nameof(envelopes));
        }
        // One statement needs no transaction of its own: one round trip instead of three (the gateway's hot path).
        await using var command = _dataSource.CreateCommand(_insertQueuedSql);
        AddInsertParameters(command.Parameters, envelopes);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private void AddInsertParameters(NpgsqlParameterCollection parameters, IReadOnlyList<TaskEnvelope> envelopes)
    {
        AddEnvelopeColumns(parameters, envelopes);
        parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _relayAfter });
        parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. envelopes.Select(e => e.SubmittedBy)] });
        parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. envelopes.Select(e => e.Origin)] });
        parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. envelopes.Select(e => e.Region)] });
    }

    // The task columns an envelope carries, as the nine arrays the insert and the claim unnest (in that order).
    private static Guid[] AddEnvelopeColumns(NpgsqlParameterCollection parameters, IReadOnlyList<TaskEnvelope> envelopes)
    {
        var n = envelopes.Count;
        var ids = new Guid[n];
        var namespaces = new string[n];
        var pools = new string[n];
        var agents = new string[n];
        var threads = new string?[n];
        var inputs = new string[n];
        var keys = new string?[n];
        var traces = new string?[n];
        var deadlines = new DateTime?[n];
        for (var i = 0; i < n; i++)
        {
            var t = envelopes[i];
            ids[i] = t.Id;
            namespaces[i] = t.Namespace;
            pools[i] = t.Pool;
            agents[i] = t.Agent;
            threads[i] = t.ThreadId;
            inputs[i] = TaskEnvelopeCodec.EncodeInput(t.Input);
            keys[i] = t.IdempotencyKey;
            traces[i] = t.TraceParent;
            deadlines[i] = t.Deadline?.UtcDateTime;
        }
        parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = namespaces });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = pools });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = agents });
        parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = threads });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = inputs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = keys });
        parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = traces });
        parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = deadlines, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        return ids;
    }

    /// <summary>
    /// Removes a task that was recorded as queued but never published (the stream refused it), with its outbox entry
    /// and idempotency key, so the submitter may try again with the same key. Rows that moved on are left alone.
    /// </summary>
    public async Task DiscardUnpublishedAsync(TaskEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        await using var batch = _dataSource.CreateBatch();
        var row = new NpgsqlBatchCommand(_discardSql);
        row.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = envelope.Id });
        batch.BatchCommands.Add(row);
        if (envelope.IdempotencyKey is { } key)
        {
            var keyRow = new NpgsqlBatchCommand(_discardKeySql);
            keyRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = envelope.Namespace });
            keyRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
            keyRow.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = envelope.Id });
            batch.BatchCommands.Add(keyRow);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Records every queued task of a deleted pool as failed with <paramref name="reason"/>, in one statement; returns
    /// how many. Nothing will deliver them any more. It reads every partition (no index leads with the pool: one
    /// would cost every status write its HOT update), which is fine for an event as rare as deleting a pool.
    /// </summary>
    public async Task<int> FailQueuedOfPoolAsync(string ns, string pool, string reason, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_failQueuedOfPoolSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pool });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Records that these queued tasks were sent to run in <paramref name="region"/> (a peer took them, or they came
    /// back here); tasks that moved on are left alone. Returns how many rows changed.
    /// </summary>
    public async Task<int> RouteAsync(IReadOnlyCollection<Guid> ids, string region, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentException.ThrowIfNullOrEmpty(region);
        if (ids.Count == 0)
        {
            return 0;
        }
        await using var command = _dataSource.CreateCommand(_routeSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. ids] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = region });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Records results that came home from the regions that ran the tasks, in one round trip, and returns the ids whose
    /// row changed; a task that already has a result (a second copy, a cancel here first) keeps it.
    /// </summary>
    public async Task<HashSet<Guid>> RecordHomecomingAsync(IReadOnlyList<Regions.TaskHomecoming> results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        await using var command = _dataSource.CreateCommand(_homecomingSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. results.Select(r => r.Id)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. results.Select(r => r.Status)] });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. results.Select(r => r.OutputJson)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. results.Select(r => r.Error)] });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. results.Select(r => r.DeadLettered)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. results.Select(r => r.Attempts)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. results.Select(r => r.PromptTokens)] });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. results.Select(r => r.CompletionTokens)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. results.Select(r => r.Region)] });
        command.Parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. results.Select(r => r.StartedAt?.UtcDateTime)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. results.Select(r => r.FinishedAt?.UtcDateTime)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        var changed = new HashSet<Guid>(results.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changed.Add(reader.GetGuid(0));
        }
        return changed;
    }

    /// <summary>How many tasks of a namespace are queued (an index holds only queued rows).</summary>
    public async Task<long> CountQueuedAsync(string ns, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_countQueuedSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// The newest tasks of a namespace created within <paramref name="since"/> (bounded, so PostgreSQL reads only
    /// recent partitions), optionally only one status or only dead-lettered ones.
    /// </summary>
    /// <param name="submittedBy">Only the tasks this API key submitted; null lists every task of the namespace.</param>
    public async Task<List<TaskRecord>> ListAsync(string ns, string? status, bool deadLetteredOnly, int limit, TimeSpan since, string? submittedBy = null, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_listSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(Nullable(status));
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = deadLetteredOnly });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow - since, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(Nullable(submittedBy));
        var result = new List<TaskRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(ReadRecord(reader));
        }
        return result;
    }

    /// <summary>
    /// Marks the delivered tasks running (inserting rows for tasks published without one, such as those another region
    /// sent) in one round trip, recording <paramref name="region"/> as where they run.
    /// </summary>
    public async Task<TaskClaim[]> ClaimAsync(IReadOnlyList<TaskDelivery> deliveries, string? region = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var n = deliveries.Count;
        var envelopes = new TaskEnvelope[n];
        var sequences = new long[n];
        for (var i = 0; i < n; i++)
        {
            envelopes[i] = deliveries[i].Task;
            sequences[i] = checked((long)deliveries[i].StreamSequence);
        }
        await using var command = _dataSource.CreateCommand(_claimSql);
        var ids = AddEnvelopeColumns(command.Parameters, envelopes);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. envelopes.Select(e => e.Resume)] });
        command.Parameters.Add(Nullable(region));
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. envelopes.Select(e => e.Origin)] });
        var claims = new TaskClaim[n];
        var index = new Dictionary<Guid, int>(n);
        for (var i = 0; i < n; i++)
        {
            index[ids[i]] = i;
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetGuid(0);
            claims[index[id]] = new TaskClaim(
                id,
                Claimed: reader.GetBoolean(1),
                Attempts: reader.GetInt32(2),
                Status: reader.GetString(3),
                CancelRequested: reader.GetBoolean(4),
                PreviousError: reader.IsDBNull(5) ? null : reader.GetString(5));
        }
        return claims;
    }

    /// <summary>
    /// Records the outcomes in one round trip and returns the ids whose row changed. An id missing from the
    /// answer already had a result (a redelivery raced a commit): it must not be counted or announced again.
    /// </summary>
    public async Task<HashSet<Guid>> CompleteAsync(IReadOnlyList<TaskCompletion> completions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completions);
        var n = completions.Count;
        var ids = new Guid[n];
        var statuses = new string[n];
        var outputs = new string?[n];
        var errors = new string?[n];
        var dead = new bool[n];
        var prompt = new int[n];
        var completion = new int[n];
        var attempts = new int[n];
        var approvals = new string?[n];
        var conversations = new string?[n];
        var approvalTimeouts = new int[n];
        for (var i = 0; i < n; i++)
        {
            var c = completions[i];
            approvals[i] = c.Parking?.ApprovalJson;
            conversations[i] = c.Parking?.ConversationJson;
            approvalTimeouts[i] = c.Parking?.TimeoutSeconds ?? 0;
            ids[i] = c.Id;
            statuses[i] = c.Status;
            outputs[i] = c.OutputJson;
            errors[i] = c.Error;
            dead[i] = c.DeadLettered;
            prompt[i] = c.PromptTokens;
            completion[i] = c.CompletionTokens;
            attempts[i] = c.Attempt;
        }
        await using var command = _dataSource.CreateCommand(_completeSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = statuses });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = outputs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = errors });
        command.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = dead });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = prompt });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = completion });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = attempts });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = approvals, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = conversations, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = approvalTimeouts });
        var changed = new HashSet<Guid>(n);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changed.Add(reader.GetGuid(0));
        }
        return changed;
    }

    /// <summary>Records a message that is not a valid task (or names no task) as a failed task with the reason.</summary>
    public async Task<bool> RecordInvalidAsync(Guid id, string ns, string pool, string agent, string rawBody, string reason, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_recordInvalidSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pool });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        // An invalid body may carry anything, U+0000 included: keep it readable rather than lose the record.
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NulCharacter.Replace(rawBody) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = NulCharacter.Replace(reason) });
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    /// <summary>Which of these tasks have a cancellation request (the durable half of cancel; the NATS notice is the fast half).</summary>
    public async Task<List<Guid>> CancelRequestedAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var command = _dataSource.CreateCommand(_cancelRequestedSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. ids] });
        var result = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(reader.GetGuid(0));
        }
        return result;
    }

    public async Task<TaskRecord?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_getSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRecord(reader) : null;
    }

    /// <summary>
    /// Records a cancellation request. A queued task becomes cancelled at once (a worker that receives it later
    /// skips it); a running one keeps running until its worker sees the request. Returns the status after the
    /// request, or null for an unknown task.
    /// </summary>
    public async Task<string?> RequestCancelAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_cancelSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// Puts a dead-lettered task back to queued (fresh attempts) with an outbox entry under <paramref name="messageId"/>;
    /// null when the task is not dead-lettered.
    /// </summary>
    public async Task<TaskRecord?> ResetDeadLetteredAsync(Guid id, string messageId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_requeueSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = messageId });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _relayAfter });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRecord(reader) : null;
    }

    private static NpgsqlParameter Nullable(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    internal static TaskRecord ReadRecord(NpgsqlDataReader r, int offset = 0) => new()
    {
        Id = r.GetGuid(offset + 0),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(offset + 1),
        Namespace = r.GetString(offset + 2),
        Agent = r.GetString(offset + 3),
        Pool = r.GetString(offset + 4),
        ThreadId = r.IsDBNull(offset + 5) ? null : r.GetString(offset + 5),
        Status = r.GetString(offset + 6),
        InputJson = r.GetString(offset + 7),
        OutputJson = r.IsDBNull(offset + 8) ? null : r.GetString(offset + 8),
        Error = r.IsDBNull(offset + 9) ? null : r.GetString(offset + 9),
        Attempts = r.GetInt32(offset + 10),
        DeadLettered = r.GetBoolean(offset + 11),
        CancelRequested = r.GetBoolean(offset + 12),
        IdempotencyKey = r.IsDBNull(offset + 13) ? null : r.GetString(offset + 13),
        TraceParent = r.IsDBNull(offset + 14) ? null : r.GetString(offset + 14),
        Deadline = r.IsDBNull(offset + 15) ? null : r.GetFieldValue<DateTimeOffset>(offset + 15),
        PromptTokens = r.GetInt32(offset + 16),
        CompletionTokens = r.GetInt32(offset + 17),
        QueuedAt = r.GetFieldValue<DateTimeOffset>(offset + 18),
        StartedAt = r.IsDBNull(offset + 19) ? null : r.GetFieldValue<DateTimeOffset>(offset + 19),
        FinishedAt = r.IsDBNull(offset + 20) ? null : r.GetFieldValue<DateTimeOffset>(offset + 20),
        SubmittedBy = r.IsDBNull(offset + 21) ? null : r.GetString(offset + 21),
        ApprovalJson = r.IsDBNull(offset + 22) ? null : r.GetString(offset + 22),
        ApprovalDeadline = r.IsDBNull(offset + 23) ? null : r.GetFieldValue<DateTimeOffset>(offset + 23),
        Resumes = r.GetInt32(offset + 24),
        SubmittedRegion = r.IsDBNull(offset + 25) ? null : r.GetString(offset + 25),
        Region = r.IsDBNull(offset + 26) ? null : r.GetString(offset + 26),
    };
}
