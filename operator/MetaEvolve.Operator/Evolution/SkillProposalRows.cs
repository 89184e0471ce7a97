using Npgsql;
using NpgsqlTypes;

namespace MetaEvolve.Operator.Evolution;

/// <summary>An Accepted row of skill_proposals: a proposal that passed the worker's checks, waiting for the operator.</summary>
public sealed record AcceptedProposal(Guid Id, string Namespace, string Agent, string Skill, string Version, string SpecJson, string Digest);

/// <summary>
/// The operator's side of skill_proposals (V1_6), the hand-off from workers: it takes Accepted rows and moves them on
/// (PendingApproval, Published, Rejected, Refused), and records a person's decision on a pending one. Every move names
/// the state it expects, so a row is moved once however often a step is retried.
/// </summary>
public sealed class SkillProposalRows(NpgsqlDataSource dataSource)
{
    /// <summary>The oldest Accepted rows (the partial index skill_proposals_accepted).</summary>
    public async Task<IReadOnlyList<AcceptedProposal>> AcceptedAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, namespace, agent, skill, version, spec::text, digest
            FROM skill_proposals WHERE state = 'Accepted' ORDER BY created_at LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<AcceptedProposal>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new AcceptedProposal(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }

        return rows;
    }

    /// <summary>Moves an Accepted row on and stamps handled_at.</summary>
    /// <param name="diagnosticsJson">[{severity, line, column, code, message}], or null to leave them.</param>
    public async Task<bool> HandleAsync(Guid id, string state, string? reason, string? message, string? diagnosticsJson, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE skill_proposals
            SET state = $2, reason = $3, message = $4, diagnostics = coalesce($5::jsonb, diagnostics), handled_at = now()
            WHERE id = $1 AND state = 'Accepted'
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state });
        command.Parameters.Add(Text(reason));
        command.Parameters.Add(Text(message));
        command.Parameters.Add(Text(diagnosticsJson));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>
    /// A newer proposal replaced the Skill's spec: the older ones still waiting for approval can no longer be approved
    /// (the Skill holds one spec), so they end Rejected.
    /// </summary>
    public async Task<int> SupersedeAsync(string ns, string skill, Guid newer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE skill_proposals
            SET state = 'Rejected', message = 'superseded by proposal ' || $3::text || ' before anyone approved it', decided_at = now()
            WHERE namespace = $1 AND skill = $2 AND state = 'PendingApproval' AND id <> $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = newer });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records a person's decision on the Skill's proposal waiting for approval: Published or Rejected.</summary>
    public async Task<int> DecideAsync(string ns, string skill, string state, string? by, string? message, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE skill_proposals
            SET state = $3, decided_by = $4, decided_at = now(), message = coalesce($5, message)
            WHERE namespace = $1 AND skill = $2 AND state = 'PendingApproval'
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state });
        command.Parameters.Add(Text(by));
        command.Parameters.Add(Text(message));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };
}
