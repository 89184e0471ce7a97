using MetaEvolve.Core.Store;
using MetaEvolve.Operator.Runtime;
using Npgsql;

namespace MetaEvolve.Operator.Agents;

/// <summary>
/// Queues every agent the store holds but the cluster does not: the Agents deleted while no operator watched (agents
/// carry no finalizer, so nothing held them). Runs once the caches hold a full list, then every resync period; the
/// agent reconciler, seeing no Agent, removes the row and its config notice.
/// </summary>
public sealed class StoredAgentSweep(AgentRepository agents, ClusterState state, OperatorOptions options, TimeProvider time, ILogger<StoredAgentSweep> logger)
    : IRequestSource
{
    private static readonly TimeSpan SyncPoll = TimeSpan.FromMilliseconds(100);

    public async Task RunAsync(Action<ObjectKey> enqueue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enqueue);
        try
        {
            // Before the first full list every stored agent would look deleted.
            while (!state.Synced)
            {
                await Task.Delay(SyncPoll, time, cancellationToken);
            }

            do
            {
                await SweepAsync(enqueue, cancellationToken);
            }
            while (options.ResyncPeriod > TimeSpan.Zero && await WaitAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The term ended.
        }
    }

    private async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(options.ResyncPeriod, time, cancellationToken);
        return true;
    }

    private async Task SweepAsync(Action<ObjectKey> enqueue, CancellationToken cancellationToken)
    {
        try
        {
            var orphans = (await agents.KeysAsync(cancellationToken))
                .Select(k => new ObjectKey(k.Namespace, k.Name))
                .Where(key => state.Agents.Get(key) is null)
                .ToList();
            foreach (var key in orphans)
            {
                enqueue(key);
            }

            if (orphans.Count > 0)
            {
                logger.LogInformation("{Count} stored agent(s) have no Agent any more; removing them", orphans.Count);
            }
        }
        catch (NpgsqlException exception)
        {
            // The next sweep (or the Agent's own deletion event) catches up.
            logger.LogWarning(exception, "Could not list the stored agents; the next sweep tries again");
        }
    }
}
