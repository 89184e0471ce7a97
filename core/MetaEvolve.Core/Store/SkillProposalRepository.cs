using MetaEvolve.Core.Skills.Evolution;
using Npgsql;
using NpgsqlTypes;

namespace MetaEvolve.Core.Store;

/// <summary>
/// Agents' skill proposals (<c>skill_proposals</c>) as workers and the gateway use them: a worker inserts one row per
/// proposal and reads rows back; it never updates one (its store role may not), so a verdict after Accepted comes from
/// the operator changing the row in place. Also reads the published skills a proposal's name may collide with, and
/// lists a namespace's proposals for people.
/// </summary>
public sealed class SkillProposalRepository(NpgsqlDataSource dataSource)
{
    public async Task InsertAsync(SkillProposalRecord proposal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO skill_proposals (id, namespace, agent, task_id, skill, version, type, spec, digest, state, reason, message, diagnostics)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13::jsonb)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = proposal.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.Namespace });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.Agent });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)proposal.TaskId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.Skill });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.Version });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.Type });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.SpecJson });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.Digest });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.State });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)proposal.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)proposal.Message ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = proposal.DiagnosticsJson });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<SkillProposalState?> FindStateAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT state, reason, message, diagnostics::text FROM skill_proposals WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new SkillProposalState(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3))
            : null;
    }

    /// <summary>The agent's proposals within <paramref name="window"/> (the store's clock), not counting the ones refused for the rate itself.</summary>
    public async Task<long> CountRecentAsync(string ns, string agent, TimeSpan window, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FROM skill_proposals
            WHERE namespace = $1 AND agent = $2 AND created_at > now() - $3::interval AND reason IS DISTINCT FROM $4
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = window });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProposalRefusals.RateLimited });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Skill names the agent authored: proposals of it that passed the worker's checks and were not rejected since.</summary>
    public async Task<IReadOnlySet<string>> AuthoredNamesAsync(string ns, string agent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT DISTINCT skill FROM skill_proposals WHERE namespace = $1 AND agent = $2 AND state = ANY($3)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ProposalStates.Passed] });
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>The origin of the skill's latest published version, or null when the store publishes no such skill.</summary>
    public async Task<PublishedSkillOrigin?> FindPublishedOriginAsync(string ns, string skill, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT v.spec->'origin'->>'authoredBy', v.spec->'origin'->'agentRef'->>'name'
            FROM skills s JOIN skill_versions v ON v.namespace = s.namespace AND v.name = s.name AND v.digest = s.latest_digest
            WHERE s.namespace = $1 AND s.name = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new PublishedSkillOrigin(reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1))
            : null;
    }

    /// <summary>Another agent with a proposal of <paramref name="skill"/> that passed the worker's checks, or null.</summary>
    public async Task<string?> FindOtherProposerAsync(string ns, string skill, string agent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT agent FROM skill_proposals WHERE namespace = $1 AND skill = $2 AND agent <> $3 AND state = ANY($4) ORDER BY created_at LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ProposalStates.Passed] });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The versions a new proposal of the skill must come after: the published latest and the agent's own passed proposals.</summary>
    public async Task<IReadOnlyList<string>> KnownVersionsAsync(string ns, string agent, string skill, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT latest_version FROM skills WHERE namespace = $1 AND name = $2
            UNION ALL
            SELECT version FROM skill_proposals WHERE namespace = $1 AND skill = $2 AND agent = $3 AND state = ANY($4)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ProposalStates.Passed] });
        var versions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }

    /// <summary>The latest proposal per skill name the agent made (refusals left out), with the version published for it.</summary>
    public async Task<IReadOnlyList<AuthoredSkill>> ListAuthoredAsync(string ns, string agent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT DISTINCT ON (p.skill) p.skill, p.version, p.state, p.digest, p.reason, p.message, p.created_at,
                   (SELECT s.latest_version
                    FROM skills s JOIN skill_versions v ON v.namespace = s.namespace AND v.name = s.name AND v.digest = s.latest_digest
                    WHERE s.namespace = p.namespace AND s.name = p.skill AND v.spec->'origin'->'agentRef'->>'name' = p.agent)
            FROM skill_proposals p
            WHERE p.namespace = $1 AND p.agent = $2 AND p.state <> $3
            ORDER BY p.skill, p.created_at DESC
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProposalStates.Refused });
        var skills = new List<AuthoredSkill>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            skills.Add(new AuthoredSkill(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetDateTime(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return skills;
    }

    /// <summary>
    /// A namespace's proposals, newest first, optionally of one agent. The namespace is always in the query: the
    /// gateway's store role is not confined by row-level security as a namespace's own role is.
    /// </summary>
    public async Task<IReadOnlyList<SkillProposalSummary>> ListAsync(string ns, string? agent, int limit, CancellationToken cancellationToken)
    {
        // Two statements rather than "agent = $3 OR $3 IS NULL", so each keeps a plan that uses skill_proposals_by_agent.
        await using var command = dataSource.CreateCommand($"""
            SELECT id, namespace, agent, task_id, skill, version, type, digest, state, reason, message, diagnostics::text,
                   created_at, handled_at, decided_by, decided_at
            FROM skill_proposals
            WHERE namespace = $1{(agent is null ? "" : " AND agent = $3")}
            ORDER BY created_at DESC, id DESC
            LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        if (agent is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        }
        var proposals = new List<SkillProposalSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            proposals.Add(new SkillProposalSummary(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetString(11),
                reader.GetFieldValue<DateTimeOffset>(12), reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
                reader.IsDBNull(14) ? null : reader.GetString(14), reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15)));
        }

        return proposals;
    }
}
