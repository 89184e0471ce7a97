using k8s;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// One change the watch delivered, with the version the cache held before it: mappings look at both, so an object
/// that stopped pointing at something (an Agent that moved to another pool) still reaches what it left.
/// </summary>
/// <param name="Previous">The cached version before the change; null when the object was new to the cache.</param>
public readonly record struct ObjectChange<T>(WatchEventType Type, T Current, T? Previous) where T : class
{
    /// <summary>The current version, and the previous one when there was one.</summary>
    public IEnumerable<T> Versions => Previous is null || ReferenceEquals(Previous, Current) ? [Current] : [Current, Previous];
}
