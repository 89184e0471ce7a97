using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Testing;
using NATS.Client.JetStream;
using Npgsql;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// Autoscaling end to end with running workers: the dev runner starts real agent-runtime processes, its HPA
/// emulation reads the operator's external metric through the aggregated API every second, and the tasks run on
/// real NATS and PostgreSQL.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class QueueDrivenScalingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_thousand_queued_tasks_scale_a_pool_to_max_draining_brings_it_to_zero_and_a_new_task_runs_on_a_woken_worker()
    {
        await using var cluster = await OperatorCluster.StartAsync(runWorkers: true);
        var instance = await cluster.StartOperatorAsync(configure: o => o with { QueuePollInterval = TimeSpan.FromSeconds(1) });
        cluster.RegisterExternalMetrics(instance.ExternalMetricsPort);
        var client = cluster.Client("test");
        await cluster.ApplyAsync($"""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: burst
            spec:
              concurrency: 4
              autoscaling: {"{"}minReplicas: 0, maxReplicas: 3, targetLagPerReplica: 20, cooldownSeconds: 3{"}"}
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: sleeper
            spec:
              poolRef: {"{"}name: burst{"}"}
            """);

        async Task<int?> Replicas() => (await client.AppsV1.ReadNamespacedDeploymentAsync("burst-workers", cluster.Namespace, cancellationToken: Ct)).Spec.Replicas;
        await OperatorCluster.EventuallyAsync(async () => await Replicas() == 0, "the new, idle pool rests at zero after its cooldown", seconds: 60);

        await using var store = NpgsqlDataSource.Create(cluster.Connections.Postgres);
        var tasks = new TaskRepository(store, cluster.Schema);
        await using var nats = NatsConnectionFactory.Create(cluster.Connections, "operator tests");
        var publisher = new TaskPublisher(new NatsJSContext(nats), cluster.Names);
        async Task<Guid> SubmitAsync(int ms)
        {
            var envelope = new TaskEnvelope
            {
                Id = TaskIds.NewId(),
                Namespace = cluster.Namespace,
                Pool = "burst",
                Agent = "sleeper",
                Input = TaskInput.Direct("system", "sleep", JsonSerializer.SerializeToElement(new JsonObject { ["ms"] = ms })),
            };
            await tasks.EnqueueAsync(envelope, Ct);
            await publisher.PublishAsync(envelope, cancellationToken: Ct);
            return envelope.Id;
        }

        for (var batch = 0; batch < 10; batch++)
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => SubmitAsync(250)));
        }

        // Lag 1,000 at 20 per replica asks for 50; maxReplicas caps it at 3, and the HPA reports so.
        await OperatorCluster.EventuallyAsync(async () => await Replicas() == 3, "scaled from 0 through 1 to maxReplicas 3", seconds: 90);
        await OperatorCluster.EventuallyAsync(async () =>
        {
            var status = (await cluster.PoolAsync("burst")).Status;
            return status?.DesiredReplicas == 3 && status.Conditions?.Any(c => c.Type == ConditionTypes.ScalingActive && c.Status == "True" && c.Reason == "ValidMetricFound") == true;
        }, "pool status: desiredReplicas 3 from the HPA, ScalingActive True ValidMetricFound");
        var hpa = await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("burst-workers", cluster.Namespace, cancellationToken: Ct);
        Assert.Equal(3, hpa.Status.DesiredReplicas);

        await OperatorCluster.EventuallyAsync(async () => await CountAsync(cluster, TaskStates.Succeeded) == 1000, "all 1,000 tasks succeeded", seconds: 240);
        Assert.True(await Replicas() <= 3);

        await OperatorCluster.EventuallyAsync(async () => await Replicas() == 0, "drained pool back at zero after its 3 s cooldown", seconds: 60);
        await OperatorCluster.EventuallyAsync(async () => (await cluster.PoolAsync("burst")).Status?.Conditions?.Any(c =>
            c.Type == ConditionTypes.ScalingActive && c.Reason == ConditionReasons.ScaledToZero) == true, "ScalingActive False ScaledToZero");

        var last = await SubmitAsync(0);
        // Waking includes a worker's start, which may take up to ServiceStartup.Limit on a busy machine (CI runs every
        // test module at once on two cores), plus the lag poll and the HPA sync.
        await OperatorCluster.EventuallyAsync(async () => (await tasks.GetAsync(last, Ct))?.Status == TaskStates.Succeeded, "the next task ran on a woken worker",
            seconds: (int)ServiceStartup.Limit.TotalSeconds + 30);
        Assert.Equal(1001, await CountAsync(cluster, TaskStates.Succeeded));
    }

    private static async Task<long> CountAsync(OperatorCluster cluster, string status)
    {
        await using var store = cluster.Store();
        await using var command = store.CreateCommand($"SELECT count(*) FROM {cluster.Schema}.tasks WHERE namespace = $1 AND status = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cluster.Namespace });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
