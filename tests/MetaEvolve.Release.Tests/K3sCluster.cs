using System.Diagnostics;
using DotNet.Testcontainers.Configurations;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using Testcontainers.K3s;

namespace MetaEvolve.Release.Tests;

/// <summary>
/// Tier 4: k3s in Docker (Testcontainers.K3s). The images of <c>make images</c> are imported into its containerd, so the
/// release runs exactly what ships; NATS (JetStream), PostgreSQL and Redis run inside it from their public images
/// (<see cref="Dependencies"/>). A Service is reached through the API server's service proxy (behind a real
/// <c>kubectl proxy</c>, which holds the credentials), and that proxy follows its Endpoints through a rolling update. Where no Docker engine answers, the test is skipped, saying so.
/// </summary>
public sealed class K3sCluster : IReleaseCluster
{
    private const string K3sImage = "rancher/k3s:v1.33.1-k3s1";
    private const string DependencyNamespace = "metaevolve-deps";
    private static readonly string[] Images = ["operator", "agent-runtime", "gateway"];

    private readonly string _directory = Directory.CreateTempSubdirectory("e2e-k3s-").FullName;
    private K3sContainer? _k3s;
    private Process? _kubectlProxy;
    private Uri? _proxy;

    public K3sCluster() => Tools = new ClusterTools(Kubeconfig, Path.Combine(_directory, "home"));

    public ClusterTools Tools { get; }

    private string Kubeconfig => Path.Combine(_directory, "kubeconfig");

    public string PostgresConnectionString =>
        $"Host=postgres.{DependencyNamespace};Username=metaevolve;Password=metaevolve;Database=metaevolve";

    public IReadOnlyDictionary<string, string> ConnectionValues { get; } = new Dictionary<string, string>
    {
        ["connections.nats.value"] = $"nats://nats.{DependencyNamespace}:4222",
        ["connections.nats.monitoringEndpoint"] = $"nats.{DependencyNamespace}:8222",
        ["connections.redis.value"] = $"redis.{DependencyNamespace}:6379",
    };

    /// <summary>k3s serves server-side apply: helm's default.</summary>
    public IReadOnlyList<string> HelmArguments { get; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_k3s is not null)
        {
            return;
        }

        // Skipped, not failed, even under CI: no code here can make a Docker engine appear (docs: README, "Tier 4").
        Assert.SkipWhen(TestcontainersSettings.OS.DockerEndpointAuthConfig is null,
            "tier 4 needs a Docker engine (k3s runs in a container through Testcontainers.K3s) and none answers here; " +
            "where Docker runs: make images && dotnet test --project tests/MetaEvolve.Release.Tests -- --filter-class '*K3sReleaseTests'");

        var archives = Images.Select(image => RepositoryRoot.Combine("artifacts", "images", image + ".tar")).ToList();
        foreach (var archive in archives)
        {
            Assert.True(File.Exists(archive), $"{archive} is missing: run make images first");
        }

        _k3s = new K3sBuilder(K3sImage).Build();
        await _k3s.StartAsync(cancellationToken);
        await File.WriteAllTextAsync(Kubeconfig, await _k3s.GetKubeconfigAsync(), cancellationToken);

        foreach (var archive in archives)
        {
            var inContainer = "/tmp/" + Path.GetFileName(archive);
            await _k3s.CopyAsync(new FileInfo(archive), "/tmp/", ct: cancellationToken);
            var import = await _k3s.ExecAsync(["ctr", "-n", "k8s.io", "images", "import", inContainer], cancellationToken);
            Assert.True(import.ExitCode == 0, $"ctr images import {inContainer}: {import.Stdout}{import.Stderr}");
        }

        var manifest = Path.Combine(_directory, "dependencies.yaml");
        await File.WriteAllTextAsync(manifest, Dependencies, cancellationToken);
        await Tools.KubectlAsync("apply", "-f", manifest);
        foreach (var name in new[] { "nats", "postgres", "redis" })
        {
            await Tools.KubectlAsync("-n", DependencyNamespace, "rollout", "status", "deployment/" + name, "--timeout=300s");
        }

        _kubectlProxy = Process.Start(new ProcessStartInfo(RequiredTools.Kubectl(33), ["--kubeconfig", Kubeconfig, "proxy", "--port=0"])
        {
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("kubectl proxy did not start");
        var serving = await _kubectlProxy.StandardOutput.ReadLineAsync(cancellationToken) ?? "";
        // "Starting to serve on 127.0.0.1:41234"
        _proxy = new Uri("http://" + serving[(serving.LastIndexOf(' ') + 1)..] + "/");
    }

    public HttpClient ServiceClient(string ns, string service, string portName) => new()
    {
        BaseAddress = new Uri(_proxy ?? throw new InvalidOperationException("k3s is not started"), $"api/v1/namespaces/{ns}/services/{service}:{portName}/proxy/"),
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async ValueTask DisposeAsync()
    {
        if (_kubectlProxy is not null)
        {
            _kubectlProxy.Kill();
            await _kubectlProxy.WaitForExitAsync();
            _kubectlProxy.Dispose();
        }

        if (_k3s is not null)
        {
            await _k3s.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The servers MetaEvolve needs and the chart does not install, the smallest way that serves a test.</summary>
    private const string Dependencies = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: metaevolve-deps}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: nats, namespace: metaevolve-deps}
        spec:
          selector: {matchLabels: {app: nats}}
          template:
            metadata: {labels: {app: nats}}
            spec:
              containers:
                - name: nats
                  image: nats:2.10-alpine
                  args: ["-js", "-m", "8222"]
                  ports: [{containerPort: 4222}, {containerPort: 8222}]
                  readinessProbe: {httpGet: {path: /healthz, port: 8222}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: nats, namespace: metaevolve-deps}
        spec:
          selector: {app: nats}
          ports: [{name: client, port: 4222}, {name: monitoring, port: 8222}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: postgres, namespace: metaevolve-deps}
        spec:
          selector: {matchLabels: {app: postgres}}
          template:
            metadata: {labels: {app: postgres}}
            spec:
              containers:
                - name: postgres
                  image: postgres:16-alpine
                  env:
                    - {name: POSTGRES_USER, value: metaevolve}
                    - {name: POSTGRES_PASSWORD, value: metaevolve}
                    - {name: POSTGRES_DB, value: metaevolve}
                  ports: [{containerPort: 5432}]
                  readinessProbe: {exec: {command: ["pg_isready", "-U", "metaevolve"]}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: postgres, namespace: metaevolve-deps}
        spec:
          selector: {app: postgres}
          ports: [{port: 5432}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: redis, namespace: metaevolve-deps}
        spec:
          selector: {matchLabels: {app: redis}}
          template:
            metadata: {labels: {app: redis}}
            spec:
              containers:
                - name: redis
                  image: redis:7-alpine
                  ports: [{containerPort: 6379}]
                  readinessProbe: {exec: {command: ["redis-cli", "ping"]}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: redis, namespace: metaevolve-deps}
        spec:
          selector: {app: redis}
          ports: [{port: 6379}]
        """;
}
