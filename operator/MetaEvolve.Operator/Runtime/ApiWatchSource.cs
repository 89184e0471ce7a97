using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Lists and watches any resource of a named API group (custom resources, apps/v1 Deployments, autoscaling/v2
/// HPAs) through the client's custom-objects endpoints, which serve every <c>/apis/group/version/plural</c>.
/// </summary>
public sealed class ApiWatchSource<T>(IKubernetes client, string group, string version, string plural, string? labelSelector = null) : IWatchSource<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    public string Resource => $"{group}/{plural}";

    public async Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        var list = await client.CustomObjects.ListClusterCustomObjectAsync<ObjectList<T>>(group, version, plural, labelSelector: labelSelector, cancellationToken: cancellationToken);
        return ([.. list.Items ?? []], list.Metadata?.ResourceVersion ?? "");
    }

    public async IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(
        string resourceVersion, TimeSpan timeout, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = client.CustomObjects.WatchListClusterCustomObjectAsync(group, version, plural,
            allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: (int)timeout.TotalSeconds,
            onError: onError, cancellationToken: cancellationToken);
        await foreach (var (type, item) in events.WithCancellation(cancellationToken))
        {
            var json = item is JsonElement element ? element.GetRawText() : KubernetesJson.Serialize(item);
            if (type == WatchEventType.Error)
            {
                throw WatchErrors.FromStatus(KubernetesJson.Deserialize<V1Status>(json));
            }

            yield return (type, KubernetesJson.Deserialize<T>(json));
        }
    }
}

/// <summary>The list shape every Kubernetes list endpoint returns.</summary>
public sealed class ObjectList<T>
{
    public V1ListMeta? Metadata { get; set; }
    public IList<T>? Items { get; set; }
}

/// <summary>Turns watch failures into what the watcher acts on.</summary>
public static class WatchErrors
{
    public static Exception FromStatus(V1Status status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Code == 410 ? new ResourceVersionGoneException(status.Message) : new KubernetesException(status);
    }

    /// <summary>True when the server says the resourceVersion is too old to resume from (410 Gone), in any form.</summary>
    public static bool IsGone(Exception exception) => exception switch
    {
        ResourceVersionGoneException => true,
        HttpOperationException http => (int)http.Response.StatusCode == 410,
        KubernetesException kube => kube.Status?.Code == 410,
        _ => false,
    };
}

/// <summary>The watch's resourceVersion has been compacted away; the watcher must list again.</summary>
public sealed class ResourceVersionGoneException(string? message) : Exception(message ?? "resource version too old (410 Gone)");
