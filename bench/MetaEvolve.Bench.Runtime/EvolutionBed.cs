using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.DevCluster.Storage;
using MetaEvolve.DevCluster.Workloads;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// What the self-evolution figures run on, all real processes but the API server: the dev control plane in this process
/// with the local runner, the Release-built operator as a child process, and an AgentPool of <see cref="Workers"/>
/// agent-runtime workers (replicas fixed, autoscaling None) started by the runner from the operator's Deployment. They
/// serve the Agent <see cref="Agent"/> with evolution {enabled, approval: Manual}. Namespace, NATS root and store schema
/// are the run's own, so a developer's <c>make run</c> (running or stopped) and other runs are never in the way.
/// </summary>
internal sealed class EvolutionBed : IAsyncDisposable
{
    public const string Agent = "author";
    public const string Pool = "evolving";
    public const int Workers = 3;

    // Any tag: the operator's default image, mapped by the runner to the Release build the rest of bench-runtime runs.
    private const string Image = "metaevolve-bench/agent-runtime:evolution";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly BenchControlPlane _plane;
    private readonly OperatorProcess _operator;
    private readonly StoreOptions _store;

    private EvolutionBed(BenchControlPlane plane, OperatorProcess @operator, NatsConnection nats, ConnectionOptions connections, StoreOptions store, string ns)
    {
        _plane = plane;
        _operator = @operator;
        Nats = nats;
        Connections = connections;
        _store = store;
        Namespace = ns;
        Client = plane.Client("bench-evolution");
    }

    public string Namespace { get; }

    public ConnectionOptions Connections { get; }

    /// <summary>Connected to the run's NATS root: the workers' announcements, the warm-up tasks.</summary>
    public NatsConnection Nats { get; }

    /// <summary>The API client the benchmark writes with, as a person's kubectl or <c>metaevolve</c> would.</summary>
    public Kubernetes Client { get; }

    /// <param name="id">The run's suffix: namespace <c>bench-evo-&lt;id&gt;</c>, NATS root the same, schema <c>bench_evo_&lt;id&gt;</c>.</param>
    public static async Task<EvolutionBed> StartAsync(string root, string operatorDll, string workerDll, ConnectionOptions services, string id, CancellationToken cancellationToken)
    {
        var ns = $"bench-evo-{id}";
        var connections = services with { NatsRoot = ns };
        var store = new StoreOptions { Schema = $"bench_evo_{id}" };
        var images = new[] { new ImageCommand("metaevolve-bench/agent-runtime:*", ["dotnet", workerDll], Path.GetDirectoryName(workerDll)) };
        var plane = await BenchControlPlane.StartAsync(root, images, cancellationToken);
        OperatorProcess? @operator = null;
        var nats = NatsConnectionFactory.Create(connections, "bench-runtime evolution");
        try
        {
            await plane.CreateNamespaceAsync(ns, cancellationToken);
            @operator = OperatorProcess.Start(operatorDll, plane.WriteKubeconfig(OperatorProcess.User), connections,
                OperatorProcess.Settings(store.Schema, ns, Image, workers: 4));
            await @operator.WaitReadyAsync(StartTimeout);
            var bed = new EvolutionBed(plane, @operator, nats, connections, store, ns);
            await bed.CreatePoolAndAgentAsync(cancellationToken);
            return bed;
        }
        catch
        {
            @operator?.Dispose();
            await plane.DisposeAsync();
            await nats.DisposeAsync();
            await DropSharedStateAsync(connections, store);
            throw;
        }
    }

    /// <summary>The Skill as the API server holds it now (read in process: no request, no watch delay).</summary>
    public JsonObject? Skill(string name) => _plane.Server.Operations.Store.Get(new ObjectKey(_plane.Resource(ApiGroup.Group, ApiGroup.Version, V1Alpha1Skill.KubePlural), Namespace, name));

    /// <summary>
    /// Waits until every worker has loaded the agent (their first announcement). A worker that started before the agent
    /// reached the store loads it on its first task for it, so tasks go in until all have.
    /// </summary>
    public async Task WaitForWorkersAsync(AppliedSkillDigests applied, CancellationToken cancellationToken)
    {
        await using var dataSource = StoreDataSource.Create(Connections, _store);
        var tasks = new TaskRepository(dataSource, _store.Schema);
        var publisher = new TaskPublisher(new NatsJSContext(Nats), Connections.Names);
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (applied.Workers < Workers)
        {
            ThrowIfOperatorExited("the workers to load the agent");
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"only {applied.Workers} of {Workers} workers of pool {Namespace}/{Pool} loaded agent {Agent} within {StartTimeout.TotalSeconds:0} s");
            }

            if (PoolReady())
            {
                var envelope = new TaskEnvelope
                {
                    Id = TaskIds.NewId(),
                    Namespace = Namespace,
                    Pool = Pool,
                    Agent = Agent,
                    Input = TaskInput.Direct("system", "echo", JsonSerializer.SerializeToElement(new JsonObject { ["warm"] = true })),
                };
                await tasks.EnqueueAsync(envelope, cancellationToken);
                await publisher.PublishAsync(envelope, cancellationToken: cancellationToken);
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public void ThrowIfOperatorExited(string waitingFor)
    {
        if (_operator.HasExited)
        {
            throw new InvalidOperationException($"the operator exited while waiting for {waitingFor}");
        }
    }

    private bool PoolReady() =>
        _plane.Server.Operations.Store.Get(new ObjectKey(_plane.Resource(ApiGroup.Group, ApiGroup.Version, V1Alpha1AgentPool.KubePlural), Namespace, Pool)) is { } pool
        && (pool["status"]?["conditions"] as JsonArray)?.Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True") == true;

    private async Task CreatePoolAndAgentAsync(CancellationToken cancellationToken)
    {
        var pool = new V1Alpha1AgentPool
        {
            Metadata = new V1ObjectMeta { Name = Pool, NamespaceProperty = Namespace },
            Spec = new V1Alpha1AgentPoolSpec { Replicas = Workers, Autoscaling = new AgentPoolAutoscaling { Mode = AutoscalingMode.None } },
        };
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(pool, ApiGroup.Group, ApiGroup.Version, Namespace, V1Alpha1AgentPool.KubePlural,
            cancellationToken: cancellationToken);
        // Direct skill calls need no model; the agent names one (that nothing answers) as an authoring agent would have.
        var agent = new V1Alpha1Agent
        {
            Metadata = new V1ObjectMeta { Name = Agent, NamespaceProperty = Namespace },
            Spec = new V1Alpha1AgentSpec
            {
                PoolRef = new() { Name = Pool },
                Model = new AgentModel { Provider = ModelProvider.OpenAICompatible, Model = "m", Endpoint = "http://127.0.0.1:9/v1" },
                Evolution = new AgentEvolution { Enabled = true, Approval = SkillApproval.Manual },
            },
        };
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(agent, ApiGroup.Group, ApiGroup.Version, Namespace, V1Alpha1Agent.KubePlural,
            cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Deletes the pool first, so the operator drops the namespace's store role and Redis user it made (its last pool is
    /// gone); then stops the operator and the runner's workers and deletes the stream, bucket and schema.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, Namespace, V1Alpha1AgentPool.KubePlural, Pool,
                cancellationToken: timeout.Token);
            await using var dataSource = StoreDataSource.Create(Connections, _store);
            while (!_operator.HasExited && await NamespaceRoleCountAsync(dataSource, timeout.Token) > 0)
            {
                await Task.Delay(100, timeout.Token);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or k8s.Autorest.HttpOperationException or Npgsql.NpgsqlException)
        {
            Console.Error.WriteLine($"# cleanup: the operator did not forget namespace {Namespace} ({exception.Message}); its Redis user may remain (`make services-clean` removes it)");
        }

        Client.Dispose();
        _operator.Dispose();
        await _plane.DisposeAsync();
        await Nats.DisposeAsync();
        await DropSharedStateAsync(Connections, _store);
    }

    private async Task<long> NamespaceRoleCountAsync(Npgsql.NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {_store.Schema}.namespace_roles WHERE namespace = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = Namespace });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Bounded and best effort: the figures are printed already, and names are the run's own.</summary>
    private static async Task DropSharedStateAsync(ConnectionOptions connections, StoreOptions store)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await using var nats = NatsConnectionFactory.Create(connections, "bench-runtime cleanup");
            var js = new NatsJSContext(nats);
            foreach (var delete in new Func<Task>[]
            {
                () => js.DeleteStreamAsync(connections.Names.TaskStream, timeout.Token).AsTask(),
                () => new NatsKVContext(js).DeleteStoreAsync(connections.Names.ConfigBucket, timeout.Token).AsTask(),
            })
            {
                try
                {
                    await delete();
                }
                catch (NatsJSApiException)
                {
                    // Never created: the run stopped before the operator got that far.
                }
            }

            await using var dataSource = StoreDataSource.Create(connections, store);
            await StoreSchemaRemoval.DropAsync(dataSource, store.Schema, timeout.Token);
        }
        catch (Exception exception) when (exception is OperationCanceledException or NatsException or Npgsql.NpgsqlException)
        {
            Console.Error.WriteLine($"# cleanup: {exception.Message}; `make services-clean` removes what remains of {connections.NatsRoot} and {store.Schema}");
        }
    }
}
