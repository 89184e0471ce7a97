namespace MetaEvolve.Operator.Runtime;

/// <summary>Some cache had not had its first list when <see cref="ControllerOptions.CacheSyncTimeout"/> ran out; no controller started.</summary>
public sealed class CacheSyncTimeoutException(IReadOnlyList<string> kinds, TimeSpan timeout)
    : Exception($"caches of {string.Join(", ", kinds)} not synced within {timeout.TotalSeconds:0.#} s: their list has not come back")
{
    public IReadOnlyList<string> Kinds { get; } = kinds;
}
