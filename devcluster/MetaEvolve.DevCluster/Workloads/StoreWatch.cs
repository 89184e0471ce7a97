using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Storage;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// Feeds a controller from the store's own watch (in process, no HTTP): every current object first,
/// then every change, until the token is cancelled or the store closes.
/// </summary>
public static class StoreWatch
{
    public static Task Run(ObjectStore store, GroupResource resource, Action<WatchEvent> onEvent, ILogger logger, CancellationToken cancellationToken) =>
        Task.Run(async () =>
        {
            using var subscription = store.Watch(resource, null, null);
            try
            {
                await foreach (var e in subscription.Events.ReadAllAsync(cancellationToken))
                {
                    try
                    {
                        onEvent(e);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        logger.LogError(ex, "Handling a {Resource} event failed", resource);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down.
            }
        }, CancellationToken.None);

    /// <summary>Runs <paramref name="reconcile"/> for each queued key, one at a time; failures requeue after a second.</summary>
    public static Task Work<TKey>(PendingKeys<TKey> queue, Func<TKey, CancellationToken, Task> reconcile, ILogger logger, CancellationToken cancellationToken)
        where TKey : notnull =>
        Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var key = await queue.TakeAsync(cancellationToken);
                    try
                    {
                        await reconcile(key, cancellationToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        logger.LogWarning(ex, "Reconciling {Key} failed; retrying", key);
                        queue.AddAfter(key, TimeSpan.FromSeconds(1), cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down.
            }
        }, CancellationToken.None);
}
