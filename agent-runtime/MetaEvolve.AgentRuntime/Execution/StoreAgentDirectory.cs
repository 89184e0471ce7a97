using System.Collections.Concurrent;
using System.Diagnostics;
using MetaEvolve.Core.Store;
using Npgsql;

namespace MetaEvolve.AgentRuntime.Execution;

/// <summary>
/// Agents as the operator projects them into the store's <c>agents</c> table. Known agents are cached
/// briefly (a lookup per task would double the store load); unknown ones are asked again every time, so
/// an agent created a moment ago is served at once.
/// </summary>
public sealed class StoreAgentDirectory(NpgsqlDataSource dataSource, StoreOptions store) : IAgentDirectory
{
    private static readonly TimeSpan KnownFor = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<(string Ns, string Agent), (string Pool, long At)> _known = new();
    private readonly string _sql = $"SELECT pool FROM {store.Schema}.agents WHERE namespace = $1 AND name = $2";

    public async ValueTask<string?> RefuseAsync(string ns, string pool, string agent, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue((ns, agent), out var hit) && Stopwatch.GetElapsedTime(hit.At) < KnownFor)
        {
            return Refusal(ns, pool, agent, hit.Pool);
        }
        await using var command = dataSource.CreateCommand(_sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ns });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        if (await command.ExecuteScalarAsync(cancellationToken) is not string agentPool)
        {
            return $"unknown agent '{agent}' in namespace '{ns}'";
        }
        _known[(ns, agent)] = (agentPool, Stopwatch.GetTimestamp());
        return Refusal(ns, pool, agent, agentPool);
    }

    private static string? Refusal(string ns, string pool, string agent, string agentPool) =>
        agentPool == pool ? null : $"agent '{ns}/{agent}' belongs to pool '{agentPool}', not '{pool}'";
}
