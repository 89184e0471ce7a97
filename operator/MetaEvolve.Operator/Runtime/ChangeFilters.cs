using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Which watched changes are worth a reconcile (controller-runtime's predicates). At a cold start every status write
/// comes back as a watch event; reconciling again for each would redo the whole reconcile to find nothing to do.
/// </summary>
public static class ChangeFilters
{
    /// <summary>
    /// True for an update that touched nothing but status (and the server's bookkeeping: resourceVersion,
    /// managedFields): same generation (the spec), deletion mark, finalizers, labels and annotations. A kind without
    /// generation never counts as status-only.
    /// </summary>
    public static bool StatusOnly<T>(ObjectChange<T> change) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (change.Type != WatchEventType.Modified || change.Previous is not { } previous || ReferenceEquals(previous, change.Current))
        {
            return false;
        }

        var before = previous.Metadata;
        var after = change.Current.Metadata;
        return before.Generation is not null && before.Generation == after.Generation
            && before.DeletionTimestamp == after.DeletionTimestamp
            && (before.Finalizers ?? []).SequenceEqual(after.Finalizers ?? [])
            && SameMap(before.Labels, after.Labels)
            && SameMap(before.Annotations, after.Annotations);
    }

    /// <summary>
    /// True when the cache already held this very version: the answer of the operator's own write, remembered when it
    /// came back (<see cref="ObjectCache{T}.Remember"/>), whose watch event now brings nothing the writer did not know.
    /// Only for the writer's own controller (its kind and the children it owns): other controllers never saw the write.
    /// </summary>
    public static bool AlreadyKnown<T>(ObjectChange<T> change) where T : class, IKubernetesObject<V1ObjectMeta> =>
        change.Type != WatchEventType.Deleted && change.Previous is { } previous && !ReferenceEquals(previous, change.Current)
        && previous.Metadata.ResourceVersion is { Length: > 0 } version && version == change.Current.Metadata.ResourceVersion;

    /// <summary>True when the object appeared or went (not when it changed): for watchers that only care whether it exists.</summary>
    public static bool ExistenceChanged<T>(ObjectChange<T> change) where T : class =>
        change.Previous is null || change.Type == WatchEventType.Deleted;

    private static bool SameMap(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(p => b!.TryGetValue(p.Key, out var v) && v == p.Value));
}
