namespace MetaEvolve.DevCluster;

/// <summary>Settings of the dev control plane. Adjust with <c>with</c>.</summary>
public sealed record DevClusterOptions
{
    /// <summary>Loopback port to listen on; 0 picks a free one (tests).</summary>
    public int Port { get; init; }

    /// <summary>Where objects are journaled (e.g. <c>.metaevolve/cluster</c>); null keeps them in memory only.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Events kept for watches to resume from; older resourceVersions get 410 Gone.</summary>
    public int WatchHistory { get; init; } = 10_000;

    /// <summary>How often an idle watch that asked for bookmarks gets one.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a watch without timeoutSeconds stays open.</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The minor version /version reports (the kubectl dispatcher picks its binary by it).</summary>
    public int ServerMinorVersion { get; init; } = 33;

    /// <summary>Where every request record is also appended as JSON lines; null keeps them in memory only.</summary>
    public string? RequestLogPath { get; init; }

    /// <summary>Namespaces that exist from the start (created if missing).</summary>
    public IReadOnlyList<string> InitialNamespaces { get; init; } = ["default", "kube-system", "kube-public", "kube-node-lease"];
}
