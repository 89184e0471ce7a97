using Npgsql;

namespace MetaEvolve.Core.Store;

/// <summary>The agents table: what the operator projected of each Agent, read by the workers.</summary>
public sealed class AgentRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Writes the agent's projection; returns false when the stored digest was already this one.</summary>
    public async Task<bool> UpsertAsync(string ns, string name, string pool, string digest, string specJson, string resolvedSkillsJson, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO agents (namespace, name, pool, digest, spec, resolved_skills, updated_at)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, now())
            ON CONFLICT (namespace, name) DO UPDATE
              SET pool = excluded.pool, digest = excluded.digest, spec = excluded.spec,
                  resolved_skills = excluded.resolved_skills, updated_at = now()
              WHERE agents.digest IS DISTINCT FROM excluded.digest OR agents.pool IS DISTINCT FROM excluded.pool
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pool });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = digest });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = specJson });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resolvedSkillsJson });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<string?> DigestAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT digest FROM agents WHERE namespace = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The agent's projection, or null when the operator has not projected it (an unknown agent).</summary>
    public async Task<AgentRecord?> GetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT namespace, name, pool, digest, spec::text, resolved_skills::text, updated_at FROM agents WHERE namespace = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Every projected agent of a namespace, by name.</summary>
    public async Task<List<AgentRecord>> ListAsync(string ns, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT namespace, name, pool, digest, spec::text, resolved_skills::text, updated_at FROM agents WHERE namespace = $1 ORDER BY name");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        var result = new List<AgentRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(Read(reader));
        }
        return result;
    }

    /// <summary>The namespace and name of every projected agent (the operator's sweep compares them with the cluster).</summary>
    public async Task<List<(string Namespace, string Name)>> KeysAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT namespace, name FROM agents");
        var result = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add((reader.GetString(0), reader.GetString(1)));
        }

        return result;
    }

    private static AgentRecord Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6));

    public async Task DeleteAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM agents WHERE namespace = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
