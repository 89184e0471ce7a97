using MetaEvolve.Core.Skills;
using Npgsql;

namespace MetaEvolve.Core.Store;

/// <summary>A stored, immutable skill version.</summary>
public sealed record StoredSkillVersion(string Version, string Digest, string Type, string FunctionsJson, bool HasAssembly);

/// <summary>A stored version's spec, for restoring it into the Skill (a rollback).</summary>
public sealed record StoredSkillSpec(string Version, string Digest, string SpecJson);

/// <summary>
/// Skill versions (immutable, by digest) and the "latest published" pointer per skill. Publishing writes the
/// version first and then moves the pointer, so the pointer always names a stored version.
/// </summary>
public sealed class SkillVersionRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Stores the version (a no-op when the digest is stored) and makes it the latest.</summary>
    /// <returns>True when the latest pointer moved.</returns>
    public async Task<bool> PublishAsync(string ns, string name, string version, string digest, string type, string specJson, string functionsJson, byte[]? assembly, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO skill_versions (namespace, name, version, digest, type, spec, functions, assembly, assembly_sha256)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9)
            ON CONFLICT (namespace, name, digest) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = version });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = digest });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = specJson });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = functionsJson });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)assembly ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
            insert.Parameters.Add(new NpgsqlParameter { Value = assembly is null ? DBNull.Value : PostgresSkillAssemblyStore.Sha256(assembly), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        int moved;
        await using (var pointer = new NpgsqlCommand("""
            INSERT INTO skills (namespace, name, latest_digest, latest_version, updated_at)
            VALUES ($1, $2, $3, $4, now())
            ON CONFLICT (namespace, name) DO UPDATE
              SET latest_digest = excluded.latest_digest, latest_version = excluded.latest_version, updated_at = now()
              WHERE skills.latest_digest IS DISTINCT FROM excluded.latest_digest
            """, connection, transaction))
        {
            pointer.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
            pointer.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            pointer.Parameters.Add(new NpgsqlParameter<string> { TypedValue = digest });
            pointer.Parameters.Add(new NpgsqlParameter<string> { TypedValue = version });
            moved = await pointer.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return moved > 0;
    }

    public Task<StoredSkillVersion?> FindByDigestAsync(string ns, string name, string digest, CancellationToken cancellationToken) =>
        FindAsync("digest = $3", ns, name, digest, cancellationToken);

    /// <summary>The newest stored version carrying the spec.version label (agents pin these).</summary>
    public Task<StoredSkillVersion?> FindByVersionAsync(string ns, string name, string version, CancellationToken cancellationToken) =>
        FindAsync("version = $3", ns, name, version, cancellationToken);

    /// <summary>The version agents following the latest get, or null when none was ever published.</summary>
    public async Task<StoredSkillVersion?> LatestAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT latest_digest FROM skills WHERE namespace = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return await command.ExecuteScalarAsync(cancellationToken) is string digest
            ? await FindByDigestAsync(ns, name, digest, cancellationToken)
            : null;
    }

    /// <summary>
    /// The spec of the newest stored version labelled <paramref name="version"/>, or — with null — of the version stored
    /// before the one agents get now (stepping back one version at a time). Null when there is none.
    /// </summary>
    public async Task<StoredSkillSpec?> FindSpecAsync(string ns, string name, string? version, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(version is null
            ? """
              SELECT v.version, v.digest, v.spec::text
              FROM skill_versions v, skills s, skill_versions current
              WHERE s.namespace = $1 AND s.name = $2
                AND current.namespace = s.namespace AND current.name = s.name AND current.digest = s.latest_digest
                AND v.namespace = s.namespace AND v.name = s.name
                AND (v.created_at, v.digest) < (current.created_at, current.digest)
              ORDER BY v.created_at DESC, v.digest DESC LIMIT 1
              """
            : """
              SELECT version, digest, spec::text FROM skill_versions
              WHERE namespace = $1 AND name = $2 AND version = $3
              ORDER BY created_at DESC LIMIT 1
              """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        if (version is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = version });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredSkillSpec(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    /// <summary>The version labels stored for the skill, oldest first (what a rollback can restore).</summary>
    public async Task<IReadOnlyList<string>> StoredVersionsAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT version FROM skill_versions WHERE namespace = $1 AND name = $2 GROUP BY version ORDER BY min(created_at)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        var versions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }

        return versions;
    }

    /// <summary>Removes the skill's pointer and every stored version of it.</summary>
    public async Task DeleteAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var sql in new[] { "DELETE FROM skills WHERE namespace = $1 AND name = $2", "DELETE FROM skill_versions WHERE namespace = $1 AND name = $2" })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<StoredSkillVersion?> FindAsync(string condition, string ns, string name, string value, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT version, digest, type, functions::text, assembly IS NOT NULL
            FROM skill_versions WHERE namespace = $1 AND name = $2 AND {condition}
            ORDER BY created_at DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredSkillVersion(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4))
            : null;
    }
}
