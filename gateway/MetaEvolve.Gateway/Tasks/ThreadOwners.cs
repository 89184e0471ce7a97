using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using Npgsql;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// A conversation thread belongs to the API key that started it: the first task naming a thread id in a namespace
/// records its key, and another key's task naming that thread is refused, so a guessed thread id never reads
/// someone else's conversation memory.
/// </summary>
public sealed class ThreadOwners(NpgsqlDataSource dataSource, StoreOptions store)
{
    private readonly string _claimSql = $"""
        WITH ins AS (
            INSERT INTO {StoreIdentifier.Quote(store.Schema)}.thread_owners (namespace, thread_id, owner) VALUES ($1, $2, $3)
            ON CONFLICT (namespace, thread_id) DO NOTHING
            RETURNING owner
        )
        SELECT owner FROM ins
        UNION ALL
        SELECT owner FROM {StoreIdentifier.Quote(store.Schema)}.thread_owners WHERE namespace = $1 AND thread_id = $2 AND NOT EXISTS (SELECT 1 FROM ins)
        """;

    /// <summary>The key that owns the thread: <paramref name="key"/> when it is new.</summary>
    public async Task<string> ClaimAsync(string ns, string threadId, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(_claimSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = threadId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        // Two first tasks racing on one thread: the loser's INSERT does nothing but its SELECT reads the older
        // snapshot; asking again sees the winner's row.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await command.ExecuteScalarAsync(cancellationToken) is string owner)
            {
                return owner;
            }
        }
        throw new InvalidOperationException($"thread '{threadId}' in namespace '{ns}' has no owner after 5 attempts");
    }
}
