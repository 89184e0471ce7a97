using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>ConfigMaps (core group), for agents reading their instructions from one.</summary>
public sealed class ConfigMapWatchSource(IKubernetes client, string? labelSelector = null) : IWatchSource<V1ConfigMap>
{
    public string Resource => "core/configmaps";

    public async Task<(IReadOnlyList<V1ConfigMap> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: cancellationToken);
        return ([.. list.Items], list.Metadata.ResourceVersion ?? "");
    }

    public IAsyncEnumerable<(WatchEventType Type, V1ConfigMap Object)> WatchAsync(
        string resourceVersion, TimeSpan timeout, Action<Exception> onError, CancellationToken cancellationToken) =>
        client.CoreV1.WatchListConfigMapForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
            timeoutSeconds: (int)timeout.TotalSeconds, onError: onError, cancellationToken: cancellationToken);
}
