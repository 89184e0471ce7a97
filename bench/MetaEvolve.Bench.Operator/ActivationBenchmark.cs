using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Core.Packaging;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.DevCluster.Storage;
using MetaEvolve.DevCluster.Workloads;
using NATS.Client.JetStream;

namespace MetaEvolve.Bench.Operator;

/// <summary>
/// operator.activation: the first task on an idle pool until its result. A control plane of its own with the
/// local runner on (agent-runtime images run as <c>dev up</c> runs them), the operator, and one pool with
/// autoscaling {minReplicas: 0, cooldownSeconds: 1}: once the operator has scaled it to zero (Deployment
/// replicas 0, no pods, no worker process left), one system.echo task is submitted as the gateway does (task row, then publish) and timed
/// until its result notice; then the pool goes back to zero and the next sample starts.
/// </summary>
internal sealed class ActivationBenchmark(string root, string operatorDll, string workerDll, ConnectionOptions services, BenchIsolation names, int samples, int workers)
{
    private const string Pool = "idle";
    private const string Agent = "echo";
    private const string Image = "ghcr.io/metaevolve/agent-runtime:bench";
    private static readonly TimeSpan ToZeroTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(1);

    /// <returns>Milliseconds per sample.</returns>
    public async Task<List<double>> RunAsync(CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        var ns = names.ActivationNamespace;
        // The runner starts the given worker for the pool's image (not the Debug build dev up runs).
        ImageCommand[] images = [new(ContainerImages.Reference(ContainerImages.AgentRuntime, "*"), ["dotnet", workerDll], Path.GetDirectoryName(workerDll))];
        await using var plane = await BenchControlPlane.StartAsync(root, images, cancellationToken);
        await plane.CreateNamespaceAsync(ns, cancellationToken);
        var connections = services with { NatsRoot = names.ActivationNats.Root };
        using var @operator = OperatorProcess.Start(operatorDll, plane.WriteKubeconfig(OperatorProcess.User), connections,
            OperatorProcess.Settings(names.Schema, ns, Image, workers));
        await @operator.WaitReadyAsync(TimeSpan.FromMinutes(1));

        using var client = plane.Client("bench");
        var pool = new V1Alpha1AgentPool
        {
            Metadata = new V1ObjectMeta { Name = Pool, NamespaceProperty = ns },
            Spec = new V1Alpha1AgentPoolSpec
            {
                Autoscaling = new AgentPoolAutoscaling { MinReplicas = 0, CooldownSeconds = 1 },
            },
        };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(pool, ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1AgentPool.KubePlural,
            cancellationToken: cancellationToken);
        var agent = new V1Alpha1Agent { Metadata = new V1ObjectMeta { Name = Agent, NamespaceProperty = ns }, Spec = new V1Alpha1AgentSpec { PoolRef = new() { Name = Pool } } };
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(agent, ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1Agent.KubePlural,
            cancellationToken: cancellationToken);

        var store = plane.Server.Operations.Store;
        var agentKey = new ObjectKey(plane.Resource("metaevolve.io", "v1alpha1", "agents"), ns, Agent);
        var deploymentKey = new ObjectKey(plane.Resource("apps", "v1", "deployments"), ns, Pool + "-workers");
        var pods = plane.Resource("", "v1", "pods");
        bool AgentReconciled() => store.Get(agentKey) is { } a && (long?)a["status"]?["observedGeneration"] == (long?)a["metadata"]?["generation"];
        bool Idle() => store.Get(deploymentKey) is { } d && (int?)d["spec"]?["replicas"] == 0 && store.List(pods, ns).Items.Count == 0
            && LocalWorkerProcesses.Count("MetaEvolve.AgentRuntime.dll") == 0;

        await UntilAsync(() => AgentReconciled() && Idle(), ToZeroTimeout, @operator,
            "the pool to be scaled to zero at first (Deployment replicas 0, no pods, no worker process): does this operator build scale to zero?", cancellationToken);

        await using var dataSource = StoreDataSource.Create(connections, new StoreOptions { Schema = names.Schema });
        var tasks = new TaskRepository(dataSource, names.Schema);
        await using var nats = NatsConnectionFactory.Create(connections, "bench-operator");
        var publisher = new TaskPublisher(new NatsJSContext(nats), names.ActivationNats);
        var latencies = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var envelope = new TaskEnvelope
            {
                Id = TaskIds.NewId(),
                Namespace = ns,
                Pool = Pool,
                Agent = Agent,
                Input = TaskInput.Direct("system", "echo", JsonSerializer.SerializeToElement(new JsonObject { ["sample"] = i })),
            };
            await using var notice = await nats.SubscribeCoreAsync<byte[]>(names.ActivationNats.Result(envelope.Id), cancellationToken: cancellationToken);
            await nats.PingAsync(cancellationToken);
            var started = Stopwatch.GetTimestamp();
            await tasks.EnqueueAsync(envelope, cancellationToken);
            await publisher.PublishAsync(envelope, cancellationToken: cancellationToken);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TaskTimeout);
            var message = await notice.Msgs.ReadAsync(wait.Token);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var result = JsonSerializer.Deserialize(message.Data, TaskJsonContext.Default.TaskResultNotice);
            if (result?.Status != TaskStates.Succeeded)
            {
                throw new InvalidOperationException($"sample {i}: task {envelope.Id} ended {result?.Status}: {result?.Error}");
            }

            latencies.Add(elapsed);
            var row = await tasks.GetAsync(envelope.Id, cancellationToken);
            Console.Error.WriteLine(string.Format(c, "# activation sample {0}: {1:F0} ms to the result notice (row: queued → started {2:F0} ms)",
                i + 1, elapsed, row?.StartedAt is { } at ? (at - row.QueuedAt).TotalMilliseconds : double.NaN));
            await UntilAsync(Idle, ToZeroTimeout, @operator, "the pool to go back to zero after its task", cancellationToken);
        }

        return latencies;
    }

    private static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, OperatorProcess @operator, string what, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (@operator.HasExited)
            {
                throw new InvalidOperationException($"the operator exited while waiting for {what}");
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
