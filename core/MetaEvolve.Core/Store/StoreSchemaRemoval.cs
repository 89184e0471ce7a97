using MetaEvolve.Core.Tasks;
using Npgsql;

namespace MetaEvolve.Core.Store;

/// <summary>
/// Removes a whole store: its schema and the namespace login roles the operator made for it (roles are cluster-wide,
/// so dropping the schema alone would leave them behind). For tests, benchmarks and uninstalls.
/// </summary>
public static class StoreSchemaRemoval
{
    public static async Task DropAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var quoted = StoreIdentifier.Quote(schema);
        var roles = new List<string>();
        await using (var list = dataSource.CreateCommand(
            $"SELECT role_name FROM {quoted}.namespace_roles"))
        {
            try
            {
                await using var reader = await list.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    roles.Add(reader.GetString(0));
                }
            }
            catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
            {
                // Never migrated, or already gone.
            }
        }

        await using (var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {quoted} CASCADE"))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var role in roles)
        {
            // The schema's objects took the role's grants with them.
            await using var dropRole = dataSource.CreateCommand($"DROP ROLE IF EXISTS {StoreIdentifier.Quote(role)}");
            await dropRole.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
