using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.Release.Tests;

/// <summary>
/// The dev control plane as <c>metaevolve dev up --no-operator --no-gateway</c> starts it, in a scratch directory of its
/// own (never a developer's <c>.metaevolve/</c>, never the CRDs or samples of the checkout: the release brings its own),
/// with the chart's <c>ghcr.io/metaevolve/*</c> images mapped to this checkout's built assemblies. The release's pods
/// are local processes that reach the local services (hack/services.sh) on loopback. A Service is reached at the
/// loopback addresses its Endpoints list, read again for every request, so a client follows a rolling update.
/// </summary>
public sealed class DevControlPlaneCluster : IReleaseCluster
{
    private readonly string _root = Directory.CreateTempSubdirectory("e2e-helm-").FullName;
    private Kubernetes? _api;
    private ChildProcess? _devUp;

    public DevControlPlaneCluster() => Tools = new ClusterTools(Path.Combine(_root, ".metaevolve", "kubeconfig"), Path.Combine(_root, "home"));

    public ClusterTools Tools { get; }

    public string PostgresConnectionString => Services.Connections.Postgres;

    public IReadOnlyDictionary<string, string> ConnectionValues { get; } = new Dictionary<string, string>
    {
        ["connections.nats.value"] = Services.Connections.NatsUrl,
        ["connections.nats.monitoringEndpoint"] = "127.0.0.1:" + (Environment.GetEnvironmentVariable("METAEVOLVE_NATS_MONITOR_PORT") ?? "18222"),
        ["connections.redis.value"] = Services.Connections.Redis,
    };

    /// <summary>The dev control plane does not serve server-side apply (it answers 415 naming this flag).</summary>
    public IReadOnlyList<string> HelmArguments { get; } = ["--server-side=false"];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_devUp is not null)
        {
            return;
        }

        await Services.RequireNatsAsync();
        await Services.RequirePostgresAsync();
        await Services.RequireRedisAsync();

        var images = Path.Combine(_root, "images.json");
        await File.WriteAllTextAsync(images, ImageMap().ToJsonString(), cancellationToken);
        var port = ChildProcess.FreeLoopbackPort();
        _devUp = ChildProcess.Start("dev up", Built("cli", "MetaEvolve.Cli", "metaevolve"),
            new Dictionary<string, string> { ["METAEVOLVE_DEV_IMAGES"] = images },
            logPath: Path.Combine(_root, "dev-up.log"),
            arguments: ["dev", "up", "--root", _root, "--port", port.ToString(CultureInfo.InvariantCulture),
                "--no-services", "--no-samples", "--no-operator", "--no-gateway"]);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!_devUp.Output.Contains("Ready.", StringComparison.Ordinal))
        {
            Assert.False(_devUp.HasExited, $"dev up exited:\n{_devUp.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"dev up was not ready within 2 minutes:\n{_devUp.Output}");
            await Task.Delay(200, cancellationToken);
        }

        // The kubeconfig dev up wrote: HTTPS trusting its CA, with the developer's token.
        _api = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Tools.Kubeconfig));
    }

    public HttpClient ServiceClient(string ns, string service, string portName) =>
        new(new EndpointsHandler(_api ?? throw new InvalidOperationException("the cluster has not started"), ns, service, portName)) { Timeout = TimeSpan.FromSeconds(60), BaseAddress = new Uri("http://service/") };

    public async ValueTask DisposeAsync()
    {
        if (_devUp is not null)
        {
            // SIGTERM: dev up stops every replica it runs (each gets its grace period) before the control plane.
            await _devUp.TerminateAsync(TimeSpan.FromSeconds(60));
            await _devUp.DisposeAsync();
        }

        _api?.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>Every MetaEvolve image, at any tag, runs the built assembly of this checkout (LocalImages' file format).</summary>
    private static JsonArray ImageMap() =>
    [
        .. new[] { ("operator", "operator", "MetaEvolve.Operator.Host"), ("gateway", "gateway", "MetaEvolve.Gateway"), ("agent-runtime", "agent-runtime", "MetaEvolve.AgentRuntime") }
            .Select(image => new JsonObject
            {
                ["image"] = $"ghcr.io/metaevolve/{image.Item1}:*",
                ["command"] = new JsonArray("dotnet", Built(image.Item2, image.Item3, image.Item3)),
                ["workingDirectory"] = RepositoryRoot.Combine(image.Item2, image.Item3),
            }),
    ];

    private static string Built(string folder, string project, string assembly)
    {
        var path = RepositoryRoot.Combine(folder, project, "bin", BuiltServices.Configuration, "net10.0", assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution first", path);
    }

    /// <summary>Sends each request to one ready address of the Service's Endpoints, in turn.</summary>
    private sealed class EndpointsHandler(Kubernetes api, string ns, string service, string portName) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _next;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var endpoints = await api.CoreV1.ReadNamespacedEndpointsAsync(service, ns, cancellationToken: cancellationToken);
            var addresses = (endpoints.Subsets ?? [])
                .SelectMany(subset => (subset.Addresses ?? []).Select(address => (
                    Ip: address.Ip,
                    Port: subset.Ports?.FirstOrDefault(p => p.Name == portName)?.Port)))
                .Where(a => a.Ip is not null && a.Port is not null)
                .ToList();
            if (addresses.Count == 0)
            {
                throw new HttpRequestException($"Service {ns}/{service} has no ready address for port {portName}");
            }

            var (ip, port) = addresses[(int)((uint)Interlocked.Increment(ref _next) % addresses.Count)];
            request.RequestUri = new UriBuilder(request.RequestUri!) { Host = ip, Port = port!.Value }.Uri;
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
