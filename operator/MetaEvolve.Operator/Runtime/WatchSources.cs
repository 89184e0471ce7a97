using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>The list-and-watch source of a kind: any named API group through the generic endpoints, Secrets and ConfigMaps through the core API.</summary>
public static class WatchSources
{
    /// <summary>How long an optional API that is not installed waits before it is looked for again.</summary>
    public static readonly TimeSpan OptionalApiRecheck = TimeSpan.FromMinutes(1);

    public static IWatchSource<T> For<T>(IKubernetes client, CacheOptions options) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(options);
        var kind = ResourceKind.Of<T>();
        IWatchSource<T> source = kind.Group.Length > 0
            ? new ApiWatchSource<T>(client, kind.Group, kind.Version, kind.Plural, options.LabelSelector)
            : typeof(T) == typeof(V1Secret) ? (IWatchSource<T>)(object)new SecretWatchSource(client, options.LabelSelector)
            : typeof(T) == typeof(V1ConfigMap) ? (IWatchSource<T>)(object)new ConfigMapWatchSource(client, options.LabelSelector)
            : throw new NotSupportedException($"no watch source for core kind {kind.Kind}: add one to {nameof(WatchSources)}");
        return options.OptionalApi ? new OptionalApiWatchSource<T>(source, OptionalApiRecheck, TimeProvider.System) : source;
    }
}
