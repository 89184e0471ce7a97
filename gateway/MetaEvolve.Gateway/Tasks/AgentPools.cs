using System.Collections.Concurrent;
using System.Diagnostics;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// The pool of each agent, from the store's agents table, and whether that pool has a consumer on the task stream.
/// Known agents and consumers are remembered briefly (a store read or a JetStream request per submission would be the
/// gateway's largest cost); unknown agents are asked again every time, so an agent the operator has just projected is
/// accepted at once.
/// </summary>
public sealed class AgentPools(AgentRepository agents, TaskQueueTopology queue)
{
    private static readonly TimeSpan KnownFor = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<(string Ns, string Agent), (string Pool, long At)> _known = new();
    private readonly ConcurrentDictionary<(string Ns, string Pool), (bool HasConsumer, long At)> _consumers = new();

    /// <summary>
    /// The agent's pool, or null when the store has no such agent. Throws <see cref="PoolWithoutConsumerException"/>
    /// when the pool has no consumer, so no task is accepted that nothing would run.
    /// </summary>
    public async ValueTask<string?> PoolOfAsync(string ns, string agent, CancellationToken cancellationToken)
    {
        if (await LookUpPoolAsync(ns, agent, cancellationToken) is not { } pool)
        {
            return null;
        }
        if (!await HasConsumerAsync(ns, pool, cancellationToken))
        {
            throw new PoolWithoutConsumerException(ns, pool, agent);
        }
        return pool;
    }

    private async ValueTask<string?> LookUpPoolAsync(string ns, string agent, CancellationToken cancellationToken)
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

    private async ValueTask<bool> HasConsumerAsync(string ns, string pool, CancellationToken cancellationToken)
    {
        if (_consumers.TryGetValue((ns, pool), out var hit) && Stopwatch.GetElapsedTime(hit.At) < KnownFor)
        {
            return hit.HasConsumer;
        }
        // When JetStream cannot say (unreachable, stream missing), the task is accepted: the outbox publishes it once
        // the stream is back, and the answer is not remembered.
        if (await queue.HasConsumerAsync(ns, pool, cancellationToken) is not { } hasConsumer)
        {
            return true;
        }
        _consumers[(ns, pool)] = (hasConsumer, Stopwatch.GetTimestamp());
        return hasConsumer;
    }
}
