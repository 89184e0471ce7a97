using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Keeps an <see cref="ObjectCache{T}"/> current and tells subscribers about every change. It never stops on its
/// own: a stream that ends is resumed from the last resourceVersion (bookmarks keep that fresh), a 410 Gone
/// relists (subscribers hear about objects deleted meanwhile), and any other failure reconnects after a jittered,
/// growing backoff. Every restart is logged and counted.
/// </summary>
public sealed class ResourceWatcher<T>(
    IWatchSource<T> source,
    ObjectCache<T> cache,
    WatchOptions settings,
    OperatorMetrics metrics,
    ILogger logger) where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly List<Action<ObjectChange<T>>> _subscribers = [];

    public ObjectCache<T> Cache => cache;

    public string Resource => source.Resource;

    /// <summary>Registers a handler; call before <see cref="RunAsync"/>. Handlers must be quick (they enqueue keys).</summary>
    public void Subscribe(Action<ObjectChange<T>> handler) => _subscribers.Add(handler);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await RelistAsync(cancellationToken);
                }

                Exception? streamError = null;
                var started = DateTime.UtcNow;
                var delivered = false;
                var timeout = settings.StreamTimeout * (1 + Random.Shared.NextDouble());
                await foreach (var (type, item) in source.WatchAsync(resourceVersion, timeout, e => streamError ??= e, cancellationToken))
                {
                    failures = 0;
                    delivered = true;
                    resourceVersion = item.Metadata?.ResourceVersion ?? resourceVersion;
                    if (type == WatchEventType.Bookmark)
                    {
                        continue;
                    }

                    Apply(type, item);
                }

                if (streamError is not null)
                {
                    throw streamError;
                }

                if (!delivered && DateTime.UtcNow - started < TimeSpan.FromSeconds(1))
                {
                    // A server that closes every stream at once would otherwise be called in a tight loop.
                    throw new IOException($"watch of {source.Resource} closed immediately");
                }

                Restarted("closed", null);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (WatchErrors.IsGone(exception))
            {
                resourceVersion = null;
                Restarted("gone", null);
            }
            catch (Exception exception)
            {
                failures++;
                var delay = Backoff(failures);
                Restarted("error", exception, delay);
                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> RelistAsync(CancellationToken cancellationToken)
    {
        var (items, resourceVersion) = await source.ListAsync(cancellationToken);
        var (gone, previous) = cache.Replace(items);
        foreach (var item in gone)
        {
            Notify(new ObjectChange<T>(WatchEventType.Deleted, item, item));
        }

        for (var i = 0; i < items.Count; i++)
        {
            Notify(new ObjectChange<T>(WatchEventType.Added, items[i], previous[i]));
        }

        logger.LogInformation("Listed {Count} {Resource} at resourceVersion {ResourceVersion}", items.Count, source.Resource, resourceVersion);
        return resourceVersion;
    }

    private void Apply(WatchEventType type, T item)
    {
        var previous = type == WatchEventType.Deleted ? cache.Remove(ObjectKey.Of(item)) : cache.Set(item);
        Notify(new ObjectChange<T>(type, item, previous));
    }

    private void Notify(ObjectChange<T> change)
    {
        foreach (var subscriber in _subscribers)
        {
            try
            {
                subscriber(change);
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "A handler of {Resource} failed on {Type} {Key}", source.Resource, change.Type, ObjectKey.Of(change.Current));
            }
        }
    }

    private void Restarted(string reason, Exception? exception, TimeSpan delay = default)
    {
        metrics.WatchRestarts.WithLabels(source.Resource, reason).Inc();
        if (exception is null)
        {
            logger.LogInformation("Watch of {Resource} restarts ({Reason})", source.Resource, reason);
        }
        else
        {
            logger.LogWarning(exception, "Watch of {Resource} failed; reconnecting in {Delay}", source.Resource, delay);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 16);
        var ceiling = Math.Min(settings.MaxBackoff.TotalMilliseconds, settings.MinBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        // Full jitter: instances that lost the server together do not come back together.
        return TimeSpan.FromMilliseconds(settings.MinBackoff.TotalMilliseconds + Random.Shared.NextDouble() * (ceiling - settings.MinBackoff.TotalMilliseconds));
    }
}
