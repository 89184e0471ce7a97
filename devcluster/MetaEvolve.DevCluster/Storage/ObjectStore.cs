using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MetaEvolve.DevCluster.Api;

namespace MetaEvolve.DevCluster.Storage;

/// <summary>
/// All objects of the dev control plane, numbered by one increasing resourceVersion (like etcd's
/// revision). Every change is journaled (when a directory is given) and appended to a bounded event
/// history that watches replay from; a watch from a resourceVersion older than that history gets
/// <see cref="ResourceVersionGoneException"/>, which the API maps to 410 Gone.
/// One lock orders changes, history and subscriptions, so a watch never misses or repeats an event.
/// Stored objects are never handed out: callers get deep copies.
/// </summary>
public sealed class ObjectStore : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectKey, JsonObject> _objects;
    private readonly Queue<WatchEvent> _history = new();
    private readonly int _historySize;
    private readonly List<WatchSubscription> _subscribers = [];
    private readonly Journal? _journal;
    private long _resourceVersion;

    /// <summary>Newest resourceVersion no longer in the history; watches must start at or after it.</summary>
    private long _compacted;

    public ObjectStore(string? directory, int historySize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historySize, 1);
        _historySize = historySize;
        if (directory is null)
        {
            _objects = [];
        }
        else
        {
            _journal = Journal.Open(directory, out _objects, out _resourceVersion);
        }

        _compacted = _resourceVersion;
    }

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public JsonObject? Get(ObjectKey key)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(key, out var obj) ? obj.DeepClone().AsObject() : null;
        }
    }

    /// <summary>Objects of a resource, optionally in one namespace, ordered by namespace then name.</summary>
    public (List<JsonObject> Items, long ResourceVersion) List(GroupResource resource, string? ns)
    {
        lock (_gate)
        {
            var items = _objects
                .Where(p => p.Key.Resource == resource && (ns is null || p.Key.Namespace == ns))
                .OrderBy(p => p.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Name, StringComparer.Ordinal)
                .Select(p => p.Value.DeepClone().AsObject())
                .ToList();
            return (items, _resourceVersion);
        }
    }

    /// <summary>Every stored key and object (copies), for garbage collection and namespace cleanup.</summary>
    public List<(ObjectKey Key, JsonObject Object)> Snapshot()
    {
        lock (_gate)
        {
            return _objects.Select(p => (p.Key, p.Value.DeepClone().AsObject())).ToList();
        }
    }

    public JsonObject Create(ObjectKey key, JsonObject obj)
    {
        lock (_gate)
        {
            if (_objects.ContainsKey(key))
            {
                throw new ObjectExistsException(key);
            }

            return Put(key, obj.DeepClone().AsObject(), null);
        }
    }

    /// <summary>
    /// Read-modify-write under the store's lock. <paramref name="mutate"/> gets a copy of the current
    /// object and returns the object to store, or null to delete it (the last finalizer removed).
    /// A result equal to the current object is a no-op that keeps the resourceVersion, as the real server does.
    /// </summary>
    public JsonObject? Update(ObjectKey key, Func<JsonObject, JsonObject?> mutate)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(key, out var current))
            {
                throw new ObjectNotFoundException(key);
            }

            var next = mutate(current.DeepClone().AsObject());
            if (next is null)
            {
                return RemoveLocked(key, current);
            }

            var currentRv = current["metadata"]?["resourceVersion"]?.DeepClone();
            next["metadata"]!["resourceVersion"] = currentRv;
            if (JsonNode.DeepEquals(next, current))
            {
                return next;
            }

            return Put(key, next, current);
        }
    }

    /// <summary>Removes an object; <paramref name="precondition"/> runs under the lock on the current object.</summary>
    public JsonObject Delete(ObjectKey key, Action<JsonObject>? precondition = null)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(key, out var current))
            {
                throw new ObjectNotFoundException(key);
            }

            precondition?.Invoke(current);
            return RemoveLocked(key, current);
        }
    }

    /// <summary>
    /// Starts a watch of <paramref name="resource"/> (optionally one namespace). With
    /// <paramref name="fromResourceVersion"/> null the subscription first lists current objects as ADDED;
    /// otherwise it replays retained events after that resourceVersion.
    /// </summary>
    public WatchSubscription Watch(GroupResource resource, string? ns, long? fromResourceVersion)
    {
        lock (_gate)
        {
            var subscription = new WatchSubscription(this, resource, ns);
            if (fromResourceVersion is null)
            {
                foreach (var (key, obj) in _objects
                    .Where(p => p.Key.Resource == resource && (ns is null || p.Key.Namespace == ns))
                    .OrderBy(p => p.Key.Namespace, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal))
                {
                    subscription.Offer(new WatchEvent(_resourceVersion, WatchEventType.Added, key, obj.DeepClone().AsObject(), null));
                    subscription.InitialEvents++;
                }
            }
            else
            {
                if (fromResourceVersion < _compacted)
                {
                    throw new ResourceVersionGoneException(fromResourceVersion.Value, _compacted + 1);
                }

                // Replay only this watch's resource (and namespace), as live events are filtered in Publish.
                foreach (var e in _history.Where(e => e.ResourceVersion > fromResourceVersion
                    && e.Key.Resource == resource && (ns is null || e.Key.Namespace == ns)))
                {
                    subscription.Offer(e);
                }
            }

            subscription.StartedAt = _resourceVersion;
            _subscribers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Queues a bookmark behind every event already queued for the subscription.</summary>
    public void RequestBookmark(WatchSubscription subscription)
    {
        lock (_gate)
        {
            subscription.Offer(new WatchEvent(_resourceVersion, WatchEventType.Bookmark, default, [], null));
        }
    }

    internal void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscription);
        }
    }

    private JsonObject Put(ObjectKey key, JsonObject built, JsonObject? previous)
    {
        // Re-parsed so every value is JSON-backed: numbers built in code as int read back as long too.
        var obj = JsonNode.Parse(built.ToJsonString())!.AsObject();
        var rv = ++_resourceVersion;
        obj["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        _objects[key] = obj;
        _journal?.Put(key, rv, obj);
        Publish(new WatchEvent(rv, previous is null ? WatchEventType.Added : WatchEventType.Modified, key,
            obj.DeepClone().AsObject(), previous?.DeepClone().AsObject()));
        return obj.DeepClone().AsObject();
    }

    private JsonObject RemoveLocked(ObjectKey key, JsonObject current)
    {
        var rv = ++_resourceVersion;
        _objects.Remove(key);
        _journal?.Delete(key, rv);
        // The DELETED event carries the object's last state with the deletion's resourceVersion.
        var last = current.DeepClone().AsObject();
        last["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        Publish(new WatchEvent(rv, WatchEventType.Deleted, key, last, current.DeepClone().AsObject()));
        return last.DeepClone().AsObject();
    }

    private void Publish(WatchEvent e)
    {
        _history.Enqueue(e);
        while (_history.Count > _historySize)
        {
            _compacted = _history.Dequeue().ResourceVersion;
        }

        foreach (var s in _subscribers)
        {
            if (s.Resource == e.Key.Resource && (s.Namespace is null || s.Namespace == e.Key.Namespace))
            {
                s.Offer(e);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var s in _subscribers)
            {
                s.Complete();
            }

            _subscribers.Clear();
            _journal?.Dispose();
        }
    }
}

/// <summary>A live watch: events in resourceVersion order until disposed (or the store closes).</summary>
public sealed class WatchSubscription(ObjectStore store, GroupResource resource, string? ns) : IDisposable
{
    private readonly Channel<WatchEvent> _events = Channel.CreateUnbounded<WatchEvent>(new() { SingleReader = true });

    public GroupResource Resource { get; } = resource;
    public string? Namespace { get; } = ns;

    /// <summary>The store's resourceVersion when the watch started (after any initial events).</summary>
    public long StartedAt { get; internal set; }

    /// <summary>How many synthetic ADDED events for existing objects lead the stream.</summary>
    public int InitialEvents { get; internal set; }

    public ChannelReader<WatchEvent> Events => _events.Reader;

    internal void Offer(WatchEvent e) => _events.Writer.TryWrite(e);

    internal void Complete() => _events.Writer.TryComplete();

    public void Dispose()
    {
        store.Unsubscribe(this);
        Complete();
    }
}
