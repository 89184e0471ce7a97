namespace MetaEvolve.Operator.Runtime;

/// <summary>Which objects of one kind the manager lists, watches and caches.</summary>
public sealed record CacheOptions
{
    /// <summary>Only objects with these labels (a Kubernetes label selector), e.g. the children the operator made.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>
    /// The kind's API may not be installed (KEDA's ScaledObjects): while it is not, the cache is an empty, synced list
    /// and the API is looked for again every minute.
    /// </summary>
    public bool OptionalApi { get; init; }
}
