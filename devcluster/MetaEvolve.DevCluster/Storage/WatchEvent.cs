using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Storage;

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>A marker that every change up to its resourceVersion has been delivered.</summary>
    Bookmark,
}

/// <summary>
/// One change, numbered by the resourceVersion it produced. <see cref="Previous"/> lets a filtered
/// watch turn "stopped matching" into DELETED and "started matching" into ADDED, as the real watch cache does.
/// </summary>
public sealed record WatchEvent(long ResourceVersion, WatchEventType Type, ObjectKey Key, JsonObject Current, JsonObject? Previous);
