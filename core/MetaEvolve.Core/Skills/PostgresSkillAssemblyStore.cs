using Npgsql;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// Compiled assemblies in <c>skill_versions.assembly</c>. A digest is the content of a spec, so every version
/// row with that digest (in any namespace) shares one assembly. Saving attaches the bytes to the rows that
/// exist; the operator inserts a version row together with its compiled assembly when it publishes.
/// </summary>
public sealed class PostgresSkillAssemblyStore(NpgsqlDataSource dataSource) : ISkillAssemblyStore
{
    public async Task<byte[]?> TryGetAsync(string digest, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT assembly FROM skill_versions WHERE digest = $1 AND assembly IS NOT NULL LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter { Value = digest });
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public async Task<bool> SaveAsync(string digest, byte[] assembly, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE skill_versions SET assembly = $2 WHERE digest = $1 AND assembly IS DISTINCT FROM $2");
        command.Parameters.Add(new NpgsqlParameter { Value = digest });
        command.Parameters.Add(new NpgsqlParameter { Value = assembly });
        var updated = await command.ExecuteNonQueryAsync(cancellationToken);
        if (updated > 0)
        {
            return true;
        }

        await using var exists = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM skill_versions WHERE digest = $1)");
        exists.Parameters.Add(new NpgsqlParameter { Value = digest });
        return await exists.ExecuteScalarAsync(cancellationToken) is true;
    }
}
