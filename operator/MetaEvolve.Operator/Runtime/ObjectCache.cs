using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// The last state the watch delivered of every object of one kind. Reconcilers read from here instead of
/// calling the API server; only the watcher writes to it.
/// </summary>
public sealed class ObjectCache<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<ObjectKey, T> _items = new();
    private volatile bool _synced;

    /// <summary>True once the first list has been loaded.</summary>
    public bool Synced => _synced;

    public int Count => _items.Count;

    public T? Get(ObjectKey key) => _items.TryGetValue(key, out var item) ? item : null;

    public IReadOnlyList<T> List(string? ns = null) =>
        [.. _items.Where(p => ns is null || p.Key.Namespace == ns).Select(p => p.Value)];

    internal void Set(T item) => _items[ObjectKey.Of(item)] = item;

    /// <summary>
    /// Caches the answer of the operator's own write, unless the watch already delivered a newer version.
    /// resourceVersions are opaque, but every server this runs against issues increasing integers; when they are
    /// not integers the write's answer is taken.
    /// </summary>
    internal void Remember(T item)
    {
        _items.AddOrUpdate(ObjectKey.Of(item), item, (_, cached) =>
            long.TryParse(cached.Metadata.ResourceVersion, out var old) && long.TryParse(item.Metadata.ResourceVersion, out var fresh) && old > fresh
                ? cached
                : item);
    }

    internal T? Remove(ObjectKey key) => _items.TryRemove(key, out var removed) ? removed : null;

    /// <summary>Replaces the contents after a (re)list; returns the objects that disappeared meanwhile.</summary>
    internal IReadOnlyList<T> Replace(IReadOnlyList<T> items)
    {
        var keep = items.Select(ObjectKey.Of).ToHashSet();
        var gone = new List<T>();
        foreach (var key in _items.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            if (_items.TryRemove(key, out var removed))
            {
                gone.Add(removed);
            }
        }

        foreach (var item in items)
        {
            Set(item);
        }

        _synced = true;
        return gone;
    }
}
