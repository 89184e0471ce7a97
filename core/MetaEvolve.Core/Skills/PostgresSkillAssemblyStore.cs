using System.Security.Cryptography;
using Npgsql;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// Compiled assemblies in <c>skill_versions.assembly</c>, with their SHA-256 in <c>assembly_sha256</c>. A digest is
/// the content of a spec, so every version row with that digest shares one assembly. The operator (the component
/// that validates skills) inserts a version row together with its compiled assembly when it publishes; workers open
/// this store read-only (their namespace roles may not write either column) and every read checks the bytes against
/// the stored hash, so bytes written around the validator are refused rather than loaded.
/// </summary>
public sealed class PostgresSkillAssemblyStore(NpgsqlDataSource dataSource, bool readOnly = false) : ISkillAssemblyStore
{
    /// <exception cref="SkillAssemblyMismatchException">The stored bytes do not hash to the stored SHA-256.</exception>
    public async Task<byte[]?> TryGetAsync(string digest, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT assembly, assembly_sha256 FROM skill_versions WHERE digest = $1 AND assembly IS NOT NULL LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter { Value = digest });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var assembly = (byte[])reader[0];
        var expected = reader.IsDBNull(1) ? null : reader.GetString(1);
        return expected is not null && string.Equals(Sha256(assembly), expected, StringComparison.Ordinal)
            ? assembly
            : throw new SkillAssemblyMismatchException(digest, expected);
    }

    public async Task<bool> SaveAsync(string digest, byte[] assembly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        if (readOnly)
        {
            return false;
        }

        await using var command = dataSource.CreateCommand(
            "UPDATE skill_versions SET assembly = $2, assembly_sha256 = $3 WHERE digest = $1 AND assembly IS DISTINCT FROM $2");
        command.Parameters.Add(new NpgsqlParameter { Value = digest });
        command.Parameters.Add(new NpgsqlParameter { Value = assembly });
        command.Parameters.Add(new NpgsqlParameter { Value = Sha256(assembly) });
        var updated = await command.ExecuteNonQueryAsync(cancellationToken);
        if (updated > 0)
        {
            return true;
        }

        await using var exists = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM skill_versions WHERE digest = $1)");
        exists.Parameters.Add(new NpgsqlParameter { Value = digest });
        return await exists.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>The hex SHA-256 stored next to an assembly.</summary>
    public static string Sha256(byte[] assembly) => Convert.ToHexStringLower(SHA256.HashData(assembly));
}
