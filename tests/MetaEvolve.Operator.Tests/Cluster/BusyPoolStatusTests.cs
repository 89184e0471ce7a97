using k8s;
using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Testing;
using NATS.Client.JetStream;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// Operator__StatusInterval on a real operator, NATS and dev control plane: a pool whose queue moves gets no status
/// write for the queue alone before the interval (here an hour, so no clock decides the outcome), and a condition
/// change is written at once, carrying the queue figures held until then.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class BusyPoolStatusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Queue_changes_wait_for_the_status_interval_and_a_condition_change_is_written_at_once()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync(configure: o => o with { QueuePollInterval = TimeSpan.FromMilliseconds(200), StatusInterval = TimeSpan.FromHours(1) });
        // Mode None at zero replicas: Ready without workers, so no condition moves by itself.
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: busy
            spec:
              replicas: 0
              autoscaling: {mode: None}
            """);
        await OperatorCluster.EventuallyAsync(async () => (await cluster.PoolAsync("busy")).Status is { Queue.Pending: 0 } status
            && Conditions.IsTrue(status.Conditions, ConditionTypes.Ready), "the pool is Ready with an empty queue in its status");
        Assert.Equal(0, await RequeuesAsync(instance));

        await using (var nats = NatsConnectionFactory.Create(cluster.Connections, "operator tests"))
        {
            var js = new NatsJSContext(nats);
            for (var i = 0; i < 3; i++)
            {
                (await js.PublishAsync(cluster.Names.Task(cluster.Namespace, "busy", "someone"), "{}"u8.ToArray(), cancellationToken: Ct)).EnsureSuccess();
            }
        }

        // A pool at rest reconciles to Done; the reconcile that holds new queue figures asks to come back when they are
        // due, so the first "requeue" result is that reconcile.
        await OperatorCluster.EventuallyAsync(async () => await RequeuesAsync(instance) > 0, "a reconcile held the new queue figures");
        var labels = $"namespace=\"{cluster.Namespace}\",pool=\"busy\"";
        Assert.Equal(3, await instance.MetricAsync("metaevolve_pool_queue_pending", labels));

        // Not the resourceVersion: other status fields (the Deployment's figures as the control plane reports them) may
        // still be written at once; only the queue figures wait.
        var held = await cluster.PoolAsync("busy");
        Assert.Equal(0, held.Status.Queue!.Pending);

        // Suspending changes the Ready condition's reason: written now, with the figures held so far.
        await cluster.Client("test").CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("{\"spec\":{\"suspend\":true}}", V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, cluster.Namespace, V1Alpha1AgentPool.KubePlural, "busy", cancellationToken: Ct);
        await OperatorCluster.EventuallyAsync(async () => (await cluster.PoolAsync("busy")).Status is { } status
            && Conditions.Find(status.Conditions, ConditionTypes.Ready)?.Reason == ConditionReasons.Suspended && status.Queue?.Pending == 3,
            "Ready reason Suspended and status.queue.pending 3, long before the hour is up");
    }

    private static async Task<double> RequeuesAsync(OperatorInstance instance) =>
        await instance.MetricAsync("metaevolve_operator_reconciles_total", "kind=\"AgentPool\",result=\"requeue\"") ?? 0;
}
