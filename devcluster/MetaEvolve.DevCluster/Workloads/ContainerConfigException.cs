namespace MetaEvolve.DevCluster.Workloads;

/// <summary>A container cannot start as configured (missing Secret key, no local command for its image).</summary>
public sealed class ContainerConfigException(string reason, string message) : Exception(message)
{
    /// <summary>The waiting reason kubectl shows: CreateContainerConfigError, ErrImagePull, ...</summary>
    public string Reason { get; } = reason;
}
