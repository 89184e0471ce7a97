using System.Globalization;
using k8s;
using k8s.Models;
using MetaEvolve.Crds;

namespace MetaEvolve.Bench.Operator;

/// <summary>
/// Stores N AgentPools (empty spec: mode Hpa, the defaults) and one Agent per pool through the API, with parallel
/// creates, before the operator starts: the state an operator finds when it restarts in a busy cluster.
/// </summary>
internal static class PoolSeeder
{
    public static string PoolName(int i) => string.Create(CultureInfo.InvariantCulture, $"p{i:D4}");

    public static string AgentName(int i) => string.Create(CultureInfo.InvariantCulture, $"a{i:D4}");

    public static async Task SeedAsync(Kubernetes client, string ns, int count, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (i, token) =>
        {
            var pool = new V1Alpha1AgentPool { Metadata = new V1ObjectMeta { Name = PoolName(i), NamespaceProperty = ns } };
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(pool, ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1AgentPool.KubePlural,
                cancellationToken: token);
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (i, token) =>
        {
            var agent = new V1Alpha1Agent
            {
                Metadata = new V1ObjectMeta { Name = AgentName(i), NamespaceProperty = ns },
                Spec = new V1Alpha1AgentSpec { PoolRef = new LocalObjectReference { Name = PoolName(i) }, Description = "system.echo only (no model)" },
            };
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(agent, ApiGroup.Group, ApiGroup.Version, ns, V1Alpha1Agent.KubePlural,
                cancellationToken: token);
        });
    }
}
