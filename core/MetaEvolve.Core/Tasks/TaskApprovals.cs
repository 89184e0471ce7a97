using System.Data;
using Npgsql;
using NpgsqlTypes;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Tasks parked for a person's approval (<see cref="TaskStates.AwaitingApproval"/>): the decision that resumes one,
/// the conversation a worker resumes from, and the sweep that fails those nobody decided on in time. A decision puts
/// the task back to queued with an outbox entry <c>&lt;id&gt;/resume/&lt;n&gt;</c> in one statement (<see cref="TaskControl"/>
/// publishes it): the task's own id is still in the stream's duplicate window when a person answers quickly.
/// </summary>
public sealed class TaskApprovals
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeSpan _relayAfter;
    private readonly string _decideSql;
    private readonly string _getSql;
    private readonly string _parkedSql;
    private readonly string _failOverdueSql;

    public TaskApprovals(NpgsqlDataSource dataSource, string schema, TimeSpan? relayAfter = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _relayAfter = relayAfter ?? TaskOutbox.DefaultRelayAfter;
        var s = StoreIdentifier.Quote(schema);
        var columns = TaskRepository.RecordColumns;

        // The wait is added to the deadline: time spent waiting for a person does not count against timeoutSeconds.
        _decideSql = $"""
            WITH decided AS (
                UPDATE {s}.tasks
                SET status = 'queued', resumes = resumes + 1, queued_at = now(), approval_deadline = NULL,
                    deadline = deadline + (now() - parked_at),
                    approval = approval || jsonb_build_object('decision', $2::text, 'reason', $3::text, 'decidedBy', $4::text, 'decidedAt', now())
                WHERE id = $1 AND created_at = {s}.uuid_v7_time($1) AND status = 'awaiting_approval'
                  AND approval_deadline > now() AND NOT cancel_requested
                RETURNING {columns}
            ), outbox AS (
                INSERT INTO {s}.task_outbox (message_id, task_id, relay_after)
                SELECT id::text || '/resume/' || resumes, id, now() + $5 FROM decided
            )
            SELECT * FROM decided
            """;
        _getSql = $"SELECT {columns} FROM {s}.tasks WHERE id = $1 AND created_at = {s}.uuid_v7_time($1)";
        _parkedSql = $"SELECT conversation::text, approval::text FROM {s}.tasks WHERE id = $1 AND created_at = {s}.uuid_v7_time($1)";
        _failOverdueSql = $"""
            UPDATE {s}.tasks
            SET status = 'failed', finished_at = now(), conversation = NULL, approval_deadline = NULL,
                error = format('approval timed out: nobody approved or rejected %s within %s s (spec.approvalTimeoutSeconds)',
                               approval->>'function', approval->>'timeoutSeconds')
            WHERE status = 'awaiting_approval' AND approval_deadline <= now()
              AND ($1::uuid IS NULL OR (id = $1 AND created_at = {s}.uuid_v7_time($1)))
            RETURNING id
            """;
    }

    /// <summary>
    /// Approves or rejects the pending call of a parked task and queues its resume (with its outbox entry, message id
    /// <see cref="ResumeMessageId"/>). The outcome says why nothing happened otherwise; a task found past its approval
    /// deadline fails here and then.
    /// </summary>
    public async Task<ApprovalOutcome> DecideAsync(Guid taskId, bool approve, string? reason, string? decidedBy, CancellationToken cancellationToken = default)
    {
        TaskRecord? resumed;
        await using (var command = _dataSource.CreateCommand(_decideSql))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = taskId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = approve ? ApprovalDecisions.Approved : ApprovalDecisions.Rejected });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)decidedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _relayAfter });
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
            resumed = await reader.ReadAsync(cancellationToken) ? TaskRepository.ReadRecord(reader) : null;
        }

        if (resumed is null)
        {
            if (await FailOverdueAsync(taskId, cancellationToken) is [_])
            {
                return new ApprovalOutcome(ApprovalOutcomeKind.Expired, await GetAsync(taskId, cancellationToken));
            }

            var record = await GetAsync(taskId, cancellationToken);
            return new ApprovalOutcome(record is null ? ApprovalOutcomeKind.NotFound : ApprovalOutcomeKind.NotAwaiting, record);
        }

        return new ApprovalOutcome(ApprovalOutcomeKind.Resumed, resumed);
    }

    /// <summary>The message id of a task's n-th resume.</summary>
    public static string ResumeMessageId(Guid taskId, int resume) => $"{taskId:D}/resume/{resume}";

    /// <summary>The parked conversation (null for a direct call) and the approval record, as JSON; null when the task is unknown.</summary>
    public async Task<(string? ConversationJson, string? ApprovalJson)?> LoadParkedAsync(Guid taskId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_parkedSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = taskId });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>Fails parked tasks past their approval deadline (one, or all with null); returns their ids.</summary>
    public async Task<List<Guid>> FailOverdueAsync(Guid? taskId = null, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(_failOverdueSql);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)taskId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        var failed = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            failed.Add(reader.GetGuid(0));
        }

        return failed;
    }

    private async Task<TaskRecord?> GetAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(_getSql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = taskId });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? TaskRepository.ReadRecord(reader) : null;
    }
}

/// <summary>Values of <c>tasks.approval.decision</c>.</summary>
public static class ApprovalDecisions
{
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

public enum ApprovalOutcomeKind
{
    Resumed,
    NotFound,
    NotAwaiting,
    Expired,
}

/// <summary>What an approve or reject did, and the task's row after it (null when the task is unknown).</summary>
public sealed record ApprovalOutcome(ApprovalOutcomeKind Kind, TaskRecord? Task);
