using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace MetaEvolve.Gateway.Tests;

/// <summary>
/// One gateway over a store whose <c>skill_proposals</c> rows the tests write directly, with chosen creation times, in
/// the test namespace and in <see cref="OtherNamespace"/>, which none of the keys covers. Shared by the listing's HTTP
/// tests and the CLI's (<see cref="SkillProposalsStore"/>); each test keeps to agents of its own.
/// </summary>
public sealed class SkillProposalsEnvironment : GatewayEnvironment
{
    /// <summary>Text only the stored spec holds, so a listing that leaked the spec would show it.</summary>
    public const string SpecSourceMarker = "SOURCE-THAT-STAYS-IN-THE-STORE";

    public string OtherNamespace { get; } = "t-other-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    protected override int GatewayCount => 1;

    /// <summary>An agent name no other test uses.</summary>
    public static string NewAgent(string purpose) => $"{purpose}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Writes one proposal row as a worker and the operator would leave it; returns its id.</summary>
    public async Task<Guid> InsertProposalAsync(string ns, string agent, string skill, string state, DateTimeOffset createdAt,
        string? reason = null, string? message = null, string diagnosticsJson = "[]", string? decidedBy = null, Guid? taskId = null)
    {
        var id = Guid.NewGuid();
        await using var command = DataSource.CreateCommand("""
            INSERT INTO skill_proposals (id, namespace, agent, task_id, skill, version, type, spec, digest, state, reason, message,
                                         diagnostics, created_at, handled_at, decided_by, decided_at)
            VALUES ($1, $2, $3, $4, $5, '1.0.0', 'CSharp', $6::jsonb, $7, $8, $9, $10, $11::jsonb, $12, $12 + interval '1 second',
                    $13, CASE WHEN $13 IS NULL THEN NULL ELSE $12 + interval '1 minute' END)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)taskId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(new { type = "CSharp", csharp = new { source = SpecSourceMarker } }) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "sha256:" + Convert.ToHexStringLower(id.ToByteArray()) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)message ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = diagnosticsJson });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)decidedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync();
        return id;
    }
}

[CollectionDefinition(nameof(SkillProposalsStore))]
public sealed class SkillProposalsStore : ICollectionFixture<SkillProposalsEnvironment>;
