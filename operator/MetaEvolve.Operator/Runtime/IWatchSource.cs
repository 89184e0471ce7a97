using k8s;

namespace MetaEvolve.Operator.Runtime;

/// <summary>List and watch of one resource across all namespaces.</summary>
public interface IWatchSource<T>
{
    /// <summary>A name for logs and metrics, e.g. <c>apps/deployments</c>.</summary>
    public string Resource { get; }

    public Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken);

    /// <summary>Streams changes after <paramref name="resourceVersion"/>, with bookmarks, ending after <paramref name="timeout"/>.</summary>
    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(string resourceVersion, TimeSpan timeout, Action<Exception> onError, CancellationToken cancellationToken);
}
