using k8s;
using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Store;
using MetaEvolve.DevCluster;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.DevCluster.Manifests;
using MetaEvolve.DevCluster.Tests;
using MetaEvolve.DevCluster.Workloads;
using MetaEvolve.Operator.Hosting;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Testing;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using Npgsql;
using Prometheus;
using StackExchange.Redis;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// Tier-3 fixture: the dev control plane with the CRDs installed, a namespace of the test's own, a real kubectl,
/// operator instances in this process and the kubelet stand-in — plus real NATS and PostgreSQL, isolated by a
/// stream, KV bucket and store schema of the test's own.
/// </summary>
internal sealed class OperatorCluster : IAsyncDisposable
{
    public const string OperatorUser = "system:serviceaccount:metaevolve-system:metaevolve-operator";
    public const string KubectlUser = "kubectl-user";

    private readonly List<OperatorInstance> _operators = [];
    private readonly string _id;
    private DevApiServer _server;
    private KubeletStandIn? _kubelet;
    private DevWorkloads? _workloads;

    private OperatorCluster(DevApiServer server, string directory, string id, int port)
    {
        _server = server;
        _id = id;
        Port = port;
        Directory = directory;
        Namespace = "op-" + id.Replace('_', '-');
        Schema = "op_" + id;
        Kubectl = new Kubectl(Kubectl.Binary(33), server, Path.Combine(directory, "kubectl-home"), Namespace);
        // A NATS root of the cluster's own: its stream, subjects and bucket meet nobody else's.
        Connections = Services.Connections with { NatsRoot = "op-" + id.Replace('_', '-') };
    }

    public string Directory { get; }
    public string Namespace { get; }
    public string Schema { get; }
    public NatsNames Names => Connections.Names;
    public string Stream => Names.TaskStream;
    public string Bucket => Names.ConfigBucket;
    public int Port { get; }
    public Kubectl Kubectl { get; }
    public ConnectionOptions Connections { get; set; }
    public DevApiServer Server => _server;
    public IReadOnlyList<OperatorInstance> Operators => _operators;

    /// <param name="runWorkers">Run Deployments as real agent-runtime processes with the dev runner and HPA emulation
    /// (HPA sync every second) instead of the kubelet stand-in.</param>
    public static async Task<OperatorCluster> StartAsync(bool runWorkers = false)
    {
        await Services.RequireNatsAsync();
        await Services.RequirePostgresAsync();
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        var directory = System.IO.Directory.CreateTempSubdirectory("operator-test-").FullName;
        var port = ChildProcess.FreeLoopbackPort();
        var server = new DevApiServer(Options(directory, port));
        await server.StartAsync(TestContext.Current.CancellationToken);
        var cluster = new OperatorCluster(server, directory, id, port);
        await cluster.Kubectl.OkAsync("apply", "-f", Path.Combine(RepositoryRoot.Path, "crds"));
        // The test's kubectl is an administrator's, as dev up's kubeconfig is (system:masters there): aggregated APIs
        // authorize their callers with SubjectAccessReviews, which the dev control plane answers from RBAC.
        await cluster.Client("setup").RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "kubectl-user-" + id },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "cluster-admin" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = KubectlUser, ApiGroup = "rbac.authorization.k8s.io" }],
        }, cancellationToken: TestContext.Current.CancellationToken);
        await cluster.Client("setup").CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = cluster.Namespace } },
            cancellationToken: TestContext.Current.CancellationToken);
        if (runWorkers)
        {
            var worker = Path.Combine(RepositoryRoot.Path, "agent-runtime", "MetaEvolve.AgentRuntime", "bin", "Debug", "net10.0", "MetaEvolve.AgentRuntime.dll");
            Assert.True(File.Exists(worker), $"{worker} is not built");
            cluster._workloads = new DevWorkloads(server, new WorkloadOptions
            {
                Images = [new ImageCommand("example/agent-runtime:*", ["dotnet", worker])],
                HpaSyncPeriod = TimeSpan.FromSeconds(1),
                HpaDownscaleStabilization = TimeSpan.FromSeconds(5),
            });
            cluster._workloads.Start();
        }
        else
        {
            cluster._kubelet = new KubeletStandIn(cluster.Client("kubelet"), cluster.Namespace);
            cluster._kubelet.Start();
        }
        return cluster;
    }

    private static DevClusterOptions Options(string directory, int port) => new()
    {
        Port = port,
        DataDirectory = Path.Combine(directory, "cluster"),
        BookmarkInterval = TimeSpan.FromSeconds(2),
    };

    public Kubernetes Client(string user) => Client(user, null);

    /// <summary>A client that reaches the API server at <paramref name="through"/> (a proxy) and passes its requests through <paramref name="handlers"/>.</summary>
    public Kubernetes Client(string user, Uri? through, params DelegatingHandler[] handlers)
    {
        var configuration = _server.ClientConfiguration(user);
        configuration.Host = (through ?? _server.BaseAddress).ToString().TrimEnd('/');
        return new Kubernetes(configuration, handlers);
    }

    public OperatorOptions OperatorOptions(string identity) => new()
    {
        Namespace = Namespace,
        LeaseName = "metaevolve-operator",
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(4),
        RenewDeadline = TimeSpan.FromSeconds(3),
        RetryPeriod = TimeSpan.FromMilliseconds(500),
        Workers = 2,
        DefaultImage = "example/agent-runtime:test",
        StoreSchema = Schema,
        Watch = new WatchOptions { MinBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) },
        Queue = new WorkQueueOptions { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(2) },
        ReconcileTimeout = TimeSpan.FromSeconds(15),
        // Several instances share this process and machine: each serves the external metrics API on its own port.
        // A rotated aggregator client CA is read again within half a second.
        ExternalMetrics = new Operator.ExternalMetrics.ExternalMetricsOptions { Port = 0, LoopbackOnly = true, AuthenticationRefreshInterval = TimeSpan.FromMilliseconds(500) },
    };

    /// <param name="kubernetes">The operator's client; by default one straight to the API server as the operator's service account.</param>
    public async Task<OperatorInstance> StartOperatorAsync(string identity = "operator-a", Func<OperatorOptions, OperatorOptions>? configure = null, IKubernetes? kubernetes = null, TimeProvider? usageClock = null)
    {
        var options = OperatorOptions(identity);
        options = configure?.Invoke(options) ?? options;
        var registry = Metrics.NewCustomRegistry();
        var app = OperatorHost.Build(["--urls", "http://127.0.0.1:0"], s =>
        {
            s.Options = options;
            s.Connections = Connections;
            s.Kubernetes = kubernetes ?? Client(OperatorUser);
            s.Metrics = registry;
            s.LogTo = new TestOutputSink(identity);
            s.UsageClock = usageClock;
        });
        var instance = new OperatorInstance(app, options, registry);
        await instance.StartAsync();
        _operators.Add(instance);
        return instance;
    }

    /// <summary>
    /// What <c>metaevolve dev up</c> does for the operator it runs as a local process (a Service without selector,
    /// hand-written Endpoints at the loopback port, the APIService), with the Service in this test's namespace.
    /// </summary>
    public void RegisterExternalMetrics(int port)
    {
        Assert.True(port > 0, "the external metrics API is bound");
        var failed = DevMetricsApi.Register(new ManifestApplier(_server.Operations), port, Namespace).Where(o => !o.Succeeded).ToList();
        Assert.True(failed.Count == 0, string.Join("; ", failed.Select(o => $"{o.Resource}/{o.Name}: {o.Result}")));
    }

    /// <summary>Stops the dev API server and starts it again on the same port with the same stored objects.</summary>
    public async Task RestartApiServerAsync(TimeSpan downtime)
    {
        await _server.DisposeAsync();
        await Task.Delay(downtime, TestContext.Current.CancellationToken);
        _server = new DevApiServer(Options(Directory, Port));
        await _server.StartAsync(TestContext.Current.CancellationToken);
    }

    public NpgsqlDataSource Store() => new NpgsqlDataSourceBuilder(Connections.Postgres).Build();

    public async Task<long> CountAsync(string table, string? name = null)
    {
        await using var store = Store();
        await using var command = store.CreateCommand($"SELECT count(*) FROM {Schema}.{table} WHERE namespace = $1" + (name is null ? "" : " AND name = $2"));
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Namespace });
        if (name is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        }

        try
        {
            return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    public async Task<T> NatsAsync<T>(Func<INatsJSContext, Task<T>> action)
    {
        await using var nats = NatsConnectionFactory.Create(Connections, "operator tests");
        return await action(new NatsJSContext(nats));
    }

    /// <summary>
    /// Drops what the test created on the shared servers. Bounded: a test may have pointed <see cref="Connections"/>
    /// at a NATS server it has already stopped, and the connection would otherwise retry it forever.
    /// </summary>
    private async Task DropSharedStateAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var store = Store();
        await StoreSchemaRemoval.DropAsync(store, Schema, timeout.Token);
        await RemoveRedisUsersAsync(Connections.Redis, Schema);
        await using var nats = NatsConnectionFactory.Create(Connections, "operator tests");
        var js = new NatsJSContext(nats);
        try
        {
            await js.DeleteStreamAsync(Stream, timeout.Token);
        }
        catch (NatsJSApiException)
        {
        }

        try
        {
            await new NatsKVContext(js).DeleteStoreAsync(Bucket, timeout.Token);
        }
        catch (NatsJSApiException)
        {
        }
    }

    /// <summary>Deletes the namespace Redis users the operator made for <paramref name="schema"/> (NamespaceRedisUsers).</summary>
    public static async Task RemoveRedisUsersAsync(string redisConfiguration, string schema)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration);
        var users = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("ACL", "USERS"))!;
        foreach (var user in users.Select(u => (string)u!).Where(u => u.Contains($":{schema}:", StringComparison.Ordinal)))
        {
            await redis.GetDatabase().ExecuteAsync("ACL", "DELUSER", user);
        }
    }

    public Task<bool> ConsumerExistsAsync(string pool) => NatsAsync(async js =>
    {
        try
        {
            await js.GetConsumerAsync(Stream, Names.PoolConsumer(Namespace, pool), TestContext.Current.CancellationToken);
            return true;
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            return false;
        }
    });

    public Task<string?> NoticeAsync(string key) => NatsAsync(js => new ConfigNoticeBoard(js, Bucket).GetAsync(key, TestContext.Current.CancellationToken));

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                last = exception;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"timed out after {seconds} s waiting for: {what}{(last is null ? "" : $" (last error: {last.Message})")}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _operators)
        {
            await instance.DisposeAsync();
        }

        if (_workloads is not null)
        {
            await _workloads.DisposeAsync();
        }

        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync();
        }

        await _server.DisposeAsync();
        try
        {
            await DropSharedStateAsync();
        }
        catch (Exception)
        {
            // Cleanup of shared servers is best effort; names are unique per test.
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

}
