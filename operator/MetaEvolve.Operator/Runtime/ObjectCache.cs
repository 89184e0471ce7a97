using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// The last known state of every object of one kind. Reconcilers read from here instead of calling the API server.
/// The watch writes every change it delivers; reconcilers also write the server's answers to their own writes
/// (<see cref="Remember"/>), so the next reconcile does not act on the version they just replaced.
/// </summary>
public sealed class ObjectCache<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    // How many of the versions the watch delivered are kept per object. A write is remembered right after its answer
    // arrives, far fewer watch events later than this.
    private const int DeliveredVersionsKept = 8;

    private readonly ConcurrentDictionary<ObjectKey, Entry> _items = new();
    private volatile bool _synced;

    /// <summary>True once the first list has been loaded.</summary>
    public bool Synced => _synced;

    public int Count => _items.Count;

    public T? Get(ObjectKey key) => _items.TryGetValue(key, out var entry) ? entry.Item : null;

    public IReadOnlyList<T> List(string? ns = null) =>
        [.. _items.Where(p => ns is null || p.Key.Namespace == ns).Select(p => p.Value.Item)];

    // Read by no reconciler, and on a real cluster often larger than the rest of the object: server-side apply's
    // managedFields and client-side apply's copy of the whole object. Dropped before anything is cached.
    private const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>Stores what the watch delivered; returns the version cached before, if any.</summary>
    internal T? Set(T item)
    {
        Trim(item);
        T? previous = null;
        _items.AddOrUpdate(ObjectKey.Of(item),
            _ => new Entry(item, [item.Metadata.ResourceVersion]),
            (_, cached) =>
            {
                previous = cached.Item;
                return new Entry(item, [.. cached.Delivered.TakeLast(DeliveredVersionsKept - 1), item.Metadata.ResourceVersion]);
            });
        return previous;
    }

    /// <summary>
    /// Caches the answer of the operator's own write, unless the watch already delivered that version (and so perhaps
    /// newer ones). resourceVersions are opaque strings that may only be compared for equality; the watch delivers an
    /// object's versions in order, so a written version it has not delivered yet is newer than anything it did.
    /// </summary>
    internal void Remember(T item)
    {
        Trim(item);
        _items.AddOrUpdate(ObjectKey.Of(item),
            _ => new Entry(item, []),
            (_, cached) => cached.Delivered.Contains(item.Metadata.ResourceVersion) ? cached : cached with { Item = item });
    }

    private static void Trim(T item)
    {
        item.Metadata.ManagedFields = null;
        item.Metadata.Annotations?.Remove(LastAppliedAnnotation);
    }

    internal T? Remove(ObjectKey key) => _items.TryRemove(key, out var removed) ? removed.Item : null;

    /// <summary>
    /// Replaces the contents after a (re)list; returns the objects that disappeared meanwhile and, per listed object,
    /// the version cached before (null for a new one).
    /// </summary>
    internal (IReadOnlyList<T> Gone, IReadOnlyList<T?> Previous) Replace(IReadOnlyList<T> items)
    {
        var keep = items.Select(ObjectKey.Of).ToHashSet();
        var gone = new List<T>();
        foreach (var key in _items.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            if (_items.TryRemove(key, out var removed))
            {
                gone.Add(removed.Item);
            }
        }

        var previous = items.Select(Set).ToList();
        _synced = true;
        return (gone, previous);
    }

    private sealed record Entry(T Item, IReadOnlyList<string?> Delivered);
}
