namespace MetaEvolve.DevCluster.Storage;

/// <summary>The object the operation needs is not stored.</summary>
public sealed class ObjectNotFoundException(ObjectKey key) : Exception($"{key} not found")
{
    public ObjectKey Key { get; } = key;
}

/// <summary>An object with that key is already stored.</summary>
public sealed class ObjectExistsException(ObjectKey key) : Exception($"{key} already exists")
{
    public ObjectKey Key { get; } = key;
}

/// <summary>The caller's resourceVersion (or uid) precondition no longer holds.</summary>
public sealed class ObjectConflictException(ObjectKey key, string reason) : Exception($"{key}: {reason}")
{
    public ObjectKey Key { get; } = key;
}

/// <summary>The requested resourceVersion is older than the retained event history.</summary>
public sealed class ResourceVersionGoneException(long requested, long oldest)
    : Exception($"too old resource version: {requested} ({oldest})")
{
    public long Requested { get; } = requested;
    public long Oldest { get; } = oldest;
}
