using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Secrets (core group, so not reachable through the custom-objects endpoints). The operator only needs to know
/// which Secrets and keys exist, so values are dropped before anything is cached: no secret value stays in memory.
/// </summary>
public sealed class SecretWatchSource(IKubernetes client, string? labelSelector = null) : IWatchSource<V1Secret>
{
    public string Resource => "core/secrets";

    public async Task<(IReadOnlyList<V1Secret> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: cancellationToken);
        return ([.. list.Items.Select(KeysOnly)], list.Metadata.ResourceVersion ?? "");
    }

    public async IAsyncEnumerable<(WatchEventType Type, V1Secret Object)> WatchAsync(
        string resourceVersion, TimeSpan timeout, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = client.CoreV1.WatchListSecretForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
            timeoutSeconds: (int)timeout.TotalSeconds, onError: onError, cancellationToken: cancellationToken);
        await foreach (var (type, item) in events.WithCancellation(cancellationToken))
        {
            yield return (type, KeysOnly(item));
        }
    }

    /// <summary>The Secret with each value replaced by an empty one: names and keys survive, contents do not.</summary>
    public static V1Secret KeysOnly(V1Secret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var keys = (secret.Data?.Keys ?? []).Concat(secret.StringData?.Keys ?? []).Distinct();
        return new V1Secret
        {
            ApiVersion = secret.ApiVersion,
            Kind = secret.Kind,
            Metadata = secret.Metadata,
            Type = secret.Type,
            Data = keys.ToDictionary(k => k, _ => Array.Empty<byte>()),
        };
    }
}
