using System.Net;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Autorest;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Watches a resource whose API may not be installed (KEDA's ScaledObjects). While the server answers 404 the cache
/// is an empty, synced list and the source looks again every <paramref name="recheck"/>, so installing the API later
/// is noticed without restarting the operator.
/// </summary>
public sealed class OptionalApiWatchSource<T>(IWatchSource<T> inner, TimeSpan recheck, TimeProvider time) : IWatchSource<T>
{
    private volatile bool _served = true;

    /// <summary>False while the last list found no such API.</summary>
    public bool Served => _served;

    public string Resource => inner.Resource;

    public async Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            var list = await inner.ListAsync(cancellationToken);
            _served = true;
            return list;
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            _served = false;
            return ([], "");
        }
    }

    public async IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string resourceVersion, TimeSpan timeout, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!_served)
        {
            await Task.Delay(recheck, time, cancellationToken);
            // Makes the watcher list again, which is how it finds out whether the API has appeared.
            throw new ResourceVersionGoneException($"{Resource} is not served; listing again to see whether it is now");
        }

        await foreach (var item in inner.WatchAsync(resourceVersion, timeout, onError, cancellationToken))
        {
            yield return item;
        }
    }
}
