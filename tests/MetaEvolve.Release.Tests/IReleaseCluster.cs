namespace MetaEvolve.Release.Tests;

/// <summary>
/// A cluster the chart is installed into. <see cref="ReleaseLifecycleTests{TCluster}"/> runs the same steps on each;
/// only this differs: how the cluster starts, the values that point the release at NATS, PostgreSQL and Redis, how
/// helm applies, and how a client outside the cluster reaches a Service.
/// </summary>
public interface IReleaseCluster : IAsyncDisposable
{
    /// <summary>Starts the cluster (once; later calls return at once). Skips or fails the test where it cannot run.</summary>
    public Task StartAsync(CancellationToken cancellationToken);

    /// <summary>helm and kubectl against this cluster (its kubeconfig, a HOME inside the cluster's own folder).</summary>
    public ClusterTools Tools { get; }

    /// <summary>The connection string the release's PostgreSQL Secret carries.</summary>
    public string PostgresConnectionString { get; }

    /// <summary>Helm values (path → value) that point the release at NATS and Redis.</summary>
    public IReadOnlyDictionary<string, string> ConnectionValues { get; }

    /// <summary>Arguments every <c>helm install</c> and <c>helm upgrade</c> takes on this cluster.</summary>
    public IReadOnlyList<string> HelmArguments { get; }

    /// <summary>A client whose requests reach the pods behind a Service port, as a client outside the cluster can.</summary>
    public HttpClient ServiceClient(string ns, string service, string portName);
}
