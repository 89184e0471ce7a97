using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using Npgsql;

namespace MetaEvolve.Operator.Tenancy;

/// <summary>A namespace's own PostgreSQL login: what its workers connect as.</summary>
public sealed record NamespaceLogin(string Role, string Password);

/// <summary>
/// Gives each namespace with pools a PostgreSQL login role of its own (recorded in <c>namespace_roles</c>), which the
/// store's row-level security (migration V1_5) confines to that namespace's rows. It is granted what a worker does:
/// read agents, skills and skill versions (never write a compiled assembly), read and write tasks, create the coming
/// days' partitions through a definer function. The operator's role needs CREATEROLE. The password is made once and
/// kept in <c>namespace_roles</c> (only the owner reads it), so operator restarts do not roll the workers.
/// </summary>
public sealed class NamespaceStoreRoles(NpgsqlDataSource dataSource, StoreOptions store, ILogger<NamespaceStoreRoles> logger)
{
    private readonly string _schema = StoreIdentifier.Quote(store.Schema);
    private readonly ConcurrentDictionary<string, NamespaceLogin> _ensured = new(StringComparer.Ordinal);

    /// <summary>The namespace's login, made (or its grants and password restored) on the first call of this process.</summary>
    public async Task<NamespaceLogin> EnsureAsync(string ns, CancellationToken cancellationToken)
    {
        if (_ensured.TryGetValue(ns, out var known))
        {
            return known;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, ns, cancellationToken);
        var login = await FindAsync(connection, ns, cancellationToken);
        if (login is null)
        {
            login = new NamespaceLogin(RoleName(store.Schema, ns), NewPassword());
            await using var insert = new NpgsqlCommand($"INSERT INTO {_schema}.namespace_roles (namespace, role_name, password) VALUES ($1, $2, $3)", connection);
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = login.Role });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = login.Password });
            await insert.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Creating PostgreSQL role {Role} for namespace {Namespace}", login.Role, ns);
        }

        var role = StoreIdentifier.Quote(login.Role);
        // The password is ours (URL-safe base64), so it is a safe literal; CREATE ROLE takes no parameters.
        var exists = await ExistsAsync(connection, login.Role, cancellationToken);
        await ExecuteAsync(connection, cancellationToken,
            (exists ? $"ALTER ROLE {role}" : $"CREATE ROLE {role}") + $" LOGIN NOINHERIT PASSWORD '{login.Password}'",
            $"GRANT USAGE ON SCHEMA {_schema} TO {role}",
            $"GRANT SELECT ON {_schema}.agents, {_schema}.skills, {_schema}.skill_versions TO {role}",
            $"GRANT SELECT, INSERT, UPDATE ON {_schema}.tasks TO {role}",
            $"GRANT SELECT, INSERT ON {_schema}.skill_proposals TO {role}",
            $"GRANT EXECUTE ON FUNCTION {_schema}.ensure_upcoming_task_partitions(int) TO {role}");
        await transaction.CommitAsync(cancellationToken);
        _ensured[ns] = login;
        return login;
    }

    /// <summary>Drops the namespace's role and forgets its password (its last pool is gone).</summary>
    public async Task DropAsync(string ns, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, ns, cancellationToken);
        _ensured.TryRemove(ns, out _);
        if (await FindAsync(connection, ns, cancellationToken) is not { } login)
        {
            return;
        }

        logger.LogInformation("Dropping PostgreSQL role {Role}: namespace {Namespace} has no pool left", login.Role, ns);
        var role = StoreIdentifier.Quote(login.Role);
        var statements = new List<string>
        {
            $"DELETE FROM {_schema}.namespace_roles WHERE role_name = '{login.Role}'",
        };
        if (await ExistsAsync(connection, login.Role, cancellationToken))
        {
            statements.AddRange(
                $"REVOKE ALL ON ALL TABLES IN SCHEMA {_schema} FROM {role}",
                $"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {_schema} FROM {role}",
                $"REVOKE ALL ON SCHEMA {_schema} FROM {role}",
                $"DROP ROLE {role}");
        }
        await ExecuteAsync(connection, cancellationToken, [.. statements]);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// <c>me_&lt;12 hex of schema and namespace&gt;_&lt;namespace&gt;</c>: roles are cluster-wide, so the hash keeps two
    /// installations (schemas) apart; the namespace, with '-' as '_', keeps it readable; at most 63 characters.
    /// </summary>
    public static string RoleName(string schema, string ns)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema + "/" + ns)))[..12];
        var name = $"me_{hash}_{ns.Replace('-', '_')}";
        return name.Length <= 63 ? name : name[..63];
    }

    private static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // One operator at a time per namespace (a new leader may overlap the old one for a moment).
    private async Task LockAsync(NpgsqlConnection connection, string ns, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext($1))", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{store.Schema}.namespace_roles/{ns}" });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<NamespaceLogin?> FindAsync(NpgsqlConnection connection, string ns, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT role_name, password FROM {_schema}.namespace_roles WHERE namespace = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new NamespaceLogin(reader.GetString(0), reader.GetString(1)) : null;
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = role });
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, CancellationToken cancellationToken, params string[] statements)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var sql in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
