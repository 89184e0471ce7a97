using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using NATS.Client.JetStream;

namespace MetaEvolve.Bench.Operator;

/// <summary>
/// The baseline of the cold start: KubernetesClient and NATS.Net alone create the children the operator creates
/// for the same pools — the same objects, built by the operator's own pure builders — with the operator's
/// parallelism, in a namespace of their own: one list of pools and of agents, the stream and the namespace's connection
/// Secret, then per pool its consumer, Deployment and HPA (the operator's order). No cache, no status, no finalizer, no retries.
/// </summary>
internal sealed class BareClientBaseline(Kubernetes client, INatsJSContext js, ConnectionOptions connections, PoolRuntimeOptions settings, int workers)
{
    public async Task<TimeSpan> RunAsync(string sourceNamespace, string targetNamespace, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var pools = await ListAsync<V1Alpha1AgentPool>(sourceNamespace, V1Alpha1AgentPool.KubePlural, cancellationToken);
        var agents = (await ListAsync<V1Alpha1Agent>(sourceNamespace, V1Alpha1Agent.KubePlural, cancellationToken))
            .ToLookup(a => a.Spec.PoolRef.Name);
        var names = connections.Names;
        await js.CreateOrUpdateStreamAsync(TaskQueueTopology.StreamConfig(names, new TaskStreamOptions()), cancellationToken);
        var secret = PoolConnectionSecretBuilder.Build(targetNamespace, connections.ToEnvironment());
        await client.CoreV1.CreateNamespacedSecretAsync(secret, targetNamespace, cancellationToken: cancellationToken);
        var options = new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(pools, options, async (source, token) =>
        {
            var pool = new V1Alpha1AgentPool
            {
                Metadata = new V1ObjectMeta { Name = source.Metadata.Name, NamespaceProperty = targetNamespace, Uid = source.Metadata.Uid },
                Spec = source.Spec,
            };
            await js.CreateOrUpdateConsumerAsync(names.TaskStream, PoolConsumerBuilder.Build(pool, names), token);
            var deployment = PoolDeploymentBuilder.Build(pool, [.. agents[source.Metadata.Name]], settings, PoolConnectionSecretBuilder.HashOf(secret), _ => true);
            // The pools live in another namespace: an owner reference to them would have the garbage collector
            // delete these children at once.
            var hpa = PoolHpaBuilder.Build(pool);
            deployment.Metadata.OwnerReferences = null;
            hpa.Metadata.OwnerReferences = null;
            await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, targetNamespace, cancellationToken: token);
            await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(hpa, targetNamespace, cancellationToken: token);
        });
        return Stopwatch.GetElapsedTime(started);
    }

    private async Task<List<T>> ListAsync<T>(string ns, string plural, CancellationToken cancellationToken)
    {
        var list = (JsonElement)await client.CustomObjects.ListNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, plural,
            cancellationToken: cancellationToken);
        return [.. list.GetProperty("items").EnumerateArray().Select(item => KubernetesJson.Deserialize<T>(item.GetRawText()))];
    }
}
