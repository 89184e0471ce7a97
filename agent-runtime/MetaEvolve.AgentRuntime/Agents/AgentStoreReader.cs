using System.Text.Json.Nodes;
using Npgsql;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Reads an agent and the skill versions it runs with from the store. Unpinned skills follow the skill's
/// "latest" pointer; pinned ones use the digest the operator resolved (<c>agents.resolved_skills</c>), or the
/// newest stored version carrying that spec.version when the projection has none.
/// </summary>
public sealed class AgentStoreReader(NpgsqlDataSource dataSource)
{
    /// <summary>The agent, or null when the store has no such agent.</summary>
    public async Task<AgentDefinition?> FindAgentAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT pool, digest, spec::text, resolved_skills::text FROM agents WHERE namespace = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var definition = AgentDefinition.Parse(ns, name, reader.GetString(0), reader.GetString(1), reader.GetString(2));
        var resolved = JsonNode.Parse(reader.GetString(3)) as JsonArray ?? [];
        return definition with
        {
            ResolvedDigests = resolved.OfType<JsonObject>()
                .Where(r => r["name"] is not null && r["digest"] is not null)
                .ToDictionary(r => (string)r["name"]!, r => (string)r["digest"]!, StringComparer.Ordinal),
        };
    }

    /// <summary>Names of the agents the store assigns to <paramref name="pool"/>, for a worker's start.</summary>
    public async Task<IReadOnlyList<string>> ListPoolAgentsAsync(string ns, string pool, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT name FROM agents WHERE namespace = $1 AND pool = $2 ORDER BY name");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = pool });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Skills whose latest published version the agent authored (<c>spec.origin.agentRef</c>), by name.</summary>
    public async Task<IReadOnlyList<string>> ListAuthoredSkillsAsync(string ns, string agent, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.name
            FROM skills s JOIN skill_versions v ON v.namespace = s.namespace AND v.name = s.name AND v.digest = s.latest_digest
            WHERE s.namespace = $1 AND v.spec->'origin'->>'authoredBy' = 'Agent' AND v.spec->'origin'->'agentRef'->>'name' = $2
            ORDER BY s.name
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Which stored version of <paramref name="skill"/> the agent runs, or why none can be found.</summary>
    public async Task<StoredSkill> ResolveSkillAsync(AgentDefinition agent, AgentSkillReference skill, CancellationToken cancellationToken)
    {
        string? digest;
        if (skill.Version is null)
        {
            await using var latest = dataSource.CreateCommand("SELECT latest_digest FROM skills WHERE namespace = $1 AND name = $2");
            latest.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent.Namespace });
            latest.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill.Name });
            digest = await latest.ExecuteScalarAsync(cancellationToken) as string;
            if (digest is null)
            {
                throw new SkillUnavailableException($"skill '{skill.Name}' has no published version in namespace '{agent.Namespace}'");
            }
        }
        else if (!agent.ResolvedDigests.TryGetValue(skill.Name, out digest))
        {
            await using var pinned = dataSource.CreateCommand(
                "SELECT digest FROM skill_versions WHERE namespace = $1 AND name = $2 AND version = $3 ORDER BY created_at DESC LIMIT 1");
            pinned.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent.Namespace });
            pinned.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill.Name });
            pinned.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill.Version });
            digest = await pinned.ExecuteScalarAsync(cancellationToken) as string
                ?? throw new SkillUnavailableException($"skill '{skill.Name}' has no published version '{skill.Version}' in namespace '{agent.Namespace}'");
        }

        await using var command = dataSource.CreateCommand(
            "SELECT version, type, spec::text FROM skill_versions WHERE namespace = $1 AND name = $2 AND digest = $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent.Namespace });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill.Name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = digest });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredSkill(agent.Namespace, skill.Name, reader.GetString(0), digest, reader.GetString(1), reader.GetString(2))
            : throw new SkillUnavailableException($"skill '{skill.Name}' version {digest} is not in the store");
    }
}
