using k8s;
using k8s.Models;
using MetaEvolve.DevCluster;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Manifests;
using MetaEvolve.DevCluster.Workloads;

namespace MetaEvolve.Bench;

/// <summary>
/// The dev control plane in this process (objects in memory only), with the CRDs from crds/ installed and, when
/// given an image map, the local workload runner and HPA emulation as <c>metaevolve dev up</c> starts them.
/// Disposing stops the runner's processes, then the server; its objects go with it. Shared by the benchmarks that run
/// the operator (linked into each project).
/// </summary>
internal sealed class BenchControlPlane : IAsyncDisposable
{
    private readonly DevWorkloads? _workloads;
    private readonly string _directory;

    private BenchControlPlane(DevApiServer server, DevWorkloads? workloads, string directory)
    {
        Server = server;
        _workloads = workloads;
        _directory = directory;
    }

    public DevApiServer Server { get; }

    public static async Task<BenchControlPlane> StartAsync(string root, IReadOnlyList<ImageCommand>? images, CancellationToken cancellationToken)
    {
        // A long watch history: the operator's watches fall behind while 2,000 objects are written around them, and
        // a real API server's watch cache would not send them back to relist either.
        var server = new DevApiServer(new DevClusterOptions { WatchHistory = 500_000 });
        await server.StartAsync(cancellationToken);
        var applier = new ManifestApplier(server.Operations);
        foreach (var manifest in ManifestReader.ReadDirectory(Path.Combine(root, "crds")))
        {
            var outcome = applier.Apply(manifest);
            if (!outcome.Succeeded)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"CRD {outcome.Name}: {outcome.Result}");
            }
        }

        DevWorkloads? workloads = null;
        if (images is not null)
        {
            workloads = new DevWorkloads(server, new WorkloadOptions { Images = images });
            workloads.Start();
        }

        return new BenchControlPlane(server, workloads, Directory.CreateTempSubdirectory("bench-plane-").FullName);
    }

    public Kubernetes Client(string user) => new(Server.ClientConfiguration(user));

    /// <summary>A kubeconfig with a token of <paramref name="user"/> (the dev server records requests by it).</summary>
    public string WriteKubeconfig(string user)
    {
        var path = Path.Combine(_directory, user + ".kubeconfig");
        Kubeconfig.Write(path, Server.KubeconfigFor(user));
        return path;
    }

    public async Task CreateNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        using var client = Client("bench");
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: cancellationToken);
    }

    public GroupResource Resource(string group, string version, string plural) =>
        Server.Registry.Find(group, version, plural)?.GroupResource ?? throw new InvalidOperationException($"{plural}.{group} is not served");

    public async ValueTask DisposeAsync()
    {
        if (_workloads is not null)
        {
            await _workloads.DisposeAsync();
        }

        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
