using System.Collections.Concurrent;
using System.Diagnostics;
using MetaEvolve.Core.Store;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// The pool of each agent, from the store's agents table. Known agents are remembered briefly (a store read per
/// submission would be the gateway's largest cost); unknown ones are asked again every time, so an agent the
/// operator has just projected is accepted at once.
/// </summary>
public sealed class AgentPools(AgentRepository agents)
{
    private static readonly TimeSpan KnownFor = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<(string Ns, string Agent), (string Pool, long At)> _known = new();

    /// <summary>The agent's pool, or null when the store has no such agent.</summary>
    public async ValueTask<string?> PoolOfAsync(string ns, string agent, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue((ns, agent), out var hit) && Stopwatch.GetElapsedTime(hit.At) < KnownFor)
        {
            return hit.Pool;
        }
        if (await agents.GetAsync(ns, agent, cancellationToken) is not { } row)
        {
            _known.TryRemove((ns, agent), out _);
            return null;
        }
        _known[(ns, agent)] = (row.Pool, Stopwatch.GetTimestamp());
        return row.Pool;
    }
}
