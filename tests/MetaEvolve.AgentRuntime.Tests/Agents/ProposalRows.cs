using System.Text.Json.Nodes;
using Npgsql;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>One skill_proposals row as the tests read it: what the worker left for the operator.</summary>
public sealed record ProposalRow(string Agent, string Skill, string Version, string State, string? Reason, string Digest, string Spec, Guid? TaskId, JsonArray Diagnostics);

/// <summary>Reads the skill_proposals rows of a test's namespace, oldest first, straight from the store.</summary>
public static class ProposalRows
{
    public static async Task<List<ProposalRow>> ReadAsync(AgentEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        await using var command = env.Pipeline.DataSource.CreateCommand($"""
            SELECT agent, skill, version, state, reason, digest, spec::text, task_id, diagnostics::text
            FROM {env.Pipeline.Schema}.skill_proposals WHERE namespace = $1 ORDER BY created_at, id
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = env.Namespace });
        var rows = new List<ProposalRow>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(new ProposalRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetGuid(7), JsonNode.Parse(reader.GetString(8))!.AsArray()));
        }

        return rows;
    }
}
