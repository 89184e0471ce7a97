using k8s;
using k8s.Autorest;
using MetaEvolve.Core;
using MetaEvolve.Crds;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Operator.Keda;
using MetaEvolve.Testing;
using NATS.Client.JetStream;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// The autoscaling children and the 0↔1 step against the dev control plane with real NATS. The kubelet stand-in
/// reports replicas without running workers, so queued tasks stay queued — which is what lets these tests hold a
/// lag still. The HPA's own scaling is tested end to end with running workers in the dev up tests.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class AutoscalingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Pool(string name, string autoscaling, int replicas = 1) => $"""
        apiVersion: metaevolve.io/v1alpha1
        kind: AgentPool
        metadata:
          name: {name}
        spec:
          replicas: {replicas}
          autoscaling: {autoscaling}
        """;

    private static async Task<bool> ExistsAsync(Func<Task> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static Task<bool> HpaExistsAsync(Kubernetes client, OperatorCluster cluster) =>
        ExistsAsync(() => client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("scaled-workers", cluster.Namespace, cancellationToken: Ct));

    private static Task<bool> ScaledObjectExistsAsync(Kubernetes client, OperatorCluster cluster) =>
        ExistsAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<KedaScaledObject>(
            KedaScaledObject.Group, KedaScaledObject.Version, cluster.Namespace, KedaScaledObject.Plural, "scaled-workers", Ct));

    private static async Task<string?> ScalingActiveAsync(OperatorCluster cluster, string pool)
    {
        var condition = (await cluster.PoolAsync(pool)).Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.ScalingActive);
        return $"{condition?.Status}/{condition?.Reason}";
    }

    [Fact]
    public async Task Switching_a_pool_between_Hpa_Keda_and_None_leaves_exactly_the_right_children()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync();
        var client = cluster.Client("test");

        await cluster.ApplyAsync(Pool("scaled", "{mode: Hpa, minReplicas: 2, maxReplicas: 4, targetLagPerReplica: 7}"));
        await OperatorCluster.EventuallyAsync(() => HpaExistsAsync(client, cluster), "the pool's HorizontalPodAutoscaler");
        var hpa = await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("scaled-workers", cluster.Namespace, cancellationToken: Ct);
        Assert.Equal((2, 4), (hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas));
        Assert.Equal("7", hpa.Spec.Metrics.Single().External.Target.AverageValue.ToString());
        await OperatorCluster.EventuallyAsync(async () => await ScalingActiveAsync(cluster, "scaled") == "Unknown/AutoscalerPending",
            "ScalingActive waits for the HPA's first reading (no HPA controller runs here)");

        // Keda before KEDA is installed: no ScaledObject can exist, and the pool says why.
        await cluster.ApplyAsync(Pool("scaled", "{mode: Keda, minReplicas: 0, maxReplicas: 4, targetLagPerReplica: 7}"));
        await OperatorCluster.EventuallyAsync(async () => await ScalingActiveAsync(cluster, "scaled") == "False/KedaNotInstalled" && !await HpaExistsAsync(client, cluster),
            "ScalingActive False KedaNotInstalled, and the HPA gone");

        await cluster.Kubectl.OkAsync("apply", "-f", Path.Combine(RepositoryRoot.Path, "tests", "manifests", "keda", "scaledobjects.keda.sh.yaml"));
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Established", "crd/scaledobjects.keda.sh", "--timeout=30s");
        await cluster.ApplyAsync(Pool("scaled", "{mode: Keda, minReplicas: 0, maxReplicas: 5, targetLagPerReplica: 7}"));
        await OperatorCluster.EventuallyAsync(() => ScaledObjectExistsAsync(client, cluster), "the pool's ScaledObject");
        var scaledObject = await client.CustomObjects.GetNamespacedCustomObjectAsync<KedaScaledObject>(
            KedaScaledObject.Group, KedaScaledObject.Version, cluster.Namespace, KedaScaledObject.Plural, "scaled-workers", Ct);
        Assert.Equal((0, 5), (scaledObject.Spec.MinReplicaCount, scaledObject.Spec.MaxReplicaCount));
        Assert.Equal(cluster.Names.PoolConsumer(cluster.Namespace, "scaled"), scaledObject.Spec.Triggers.Single().Metadata["consumer"]);
        Assert.Equal(cluster.Stream, scaledObject.Spec.Triggers.Single().Metadata["stream"]);
        Assert.False(await HpaExistsAsync(client, cluster));

        // None: the operator owns the replica count again, and no autoscaler is left to fight it.
        await cluster.ApplyAsync(Pool("scaled", "{mode: None}", replicas: 3));
        await OperatorCluster.EventuallyAsync(async () => !await ScaledObjectExistsAsync(client, cluster)
            && (await client.AppsV1.ReadNamespacedDeploymentAsync("scaled-workers", cluster.Namespace, cancellationToken: Ct)).Spec.Replicas == 3,
            "ScaledObject deleted and 3 replicas written");
        Assert.False(await HpaExistsAsync(client, cluster));
        Assert.Equal("False/ScalingDisabled", await ScalingActiveAsync(cluster, "scaled"));

        // Back to Hpa: the HPA returns and the replica count is left where it is, for the HPA to change.
        await cluster.ApplyAsync(Pool("scaled", "{mode: Hpa, minReplicas: 1, maxReplicas: 4}", replicas: 1));
        await OperatorCluster.EventuallyAsync(() => HpaExistsAsync(client, cluster), "the HPA again");
        Assert.False(await ScaledObjectExistsAsync(client, cluster));
        await Task.Delay(500, Ct);
        Assert.Equal(3, (await client.AppsV1.ReadNamespacedDeploymentAsync("scaled-workers", cluster.Namespace, cancellationToken: Ct)).Spec.Replicas);
    }

    [Fact]
    public async Task An_idle_pool_goes_to_zero_after_cooldown_and_its_next_task_wakes_it_without_waiting_for_a_poll()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        // The queue is polled once at start and then not for ten minutes: only the pool's task subscription can wake it.
        var instance = await cluster.StartOperatorAsync(configure: o => o with { QueuePollInterval = TimeSpan.FromMinutes(10) });
        var client = cluster.Client("test");

        await cluster.ApplyAsync(Pool("idle", "{minReplicas: 0, maxReplicas: 3, cooldownSeconds: 2}"));
        await OperatorCluster.EventuallyAsync(async () =>
            (await client.AppsV1.ReadNamespacedDeploymentAsync("idle-workers", cluster.Namespace, cancellationToken: Ct)).Spec.Replicas == 0,
            "scaled to zero after a 2 s cooldown");
        await OperatorCluster.EventuallyAsync(async () => await ScalingActiveAsync(cluster, "idle") == "False/ScaledToZero", "ScalingActive False ScaledToZero");
        var events = await client.CoreV1.ListNamespacedEventAsync(cluster.Namespace, cancellationToken: Ct);
        Assert.Contains(events.Items, e => e.InvolvedObject.Name == "idle" && e.Reason == "ScaledToZero");

        await using (var nats = NatsConnectionFactory.Create(cluster.Connections, "operator tests"))
        {
            var ack = await new NatsJSContext(nats).PublishAsync(cluster.Names.Task(cluster.Namespace, "idle", "someone"), "{}"u8.ToArray(), cancellationToken: Ct);
            ack.EnsureSuccess();
        }

        await OperatorCluster.EventuallyAsync(async () =>
            (await client.AppsV1.ReadNamespacedDeploymentAsync("idle-workers", cluster.Namespace, cancellationToken: Ct)).Spec.Replicas == 1,
            "woken to one replica by the published task");
        await OperatorCluster.EventuallyAsync(async () => (await cluster.PoolAsync("idle")).Status?.Queue?.Pending == 1, "status.queue.pending 1");
        var gauge = await instance.MetricAsync("metaevolve_pool_queue_lag", $"namespace=\"{cluster.Namespace}\",pool=\"idle\"");
        Assert.Equal(1, gauge);

        // Nothing consumes the task here, so the lag stays and the pool stays awake past its cooldown.
        await Task.Delay(3000, Ct);
        Assert.Equal(1, (await client.AppsV1.ReadNamespacedDeploymentAsync("idle-workers", cluster.Namespace, cancellationToken: Ct)).Spec.Replicas);
    }
}
