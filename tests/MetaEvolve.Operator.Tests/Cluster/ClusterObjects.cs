using k8s;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>Typed reads of the MetaEvolve objects in a test's namespace.</summary>
internal static class ClusterObjects
{
    public static Task<V1Alpha1Skill> SkillAsync(this OperatorCluster cluster, string name) =>
        cluster.Client("test").CustomObjects.GetNamespacedCustomObjectAsync<V1Alpha1Skill>(ApiGroup.Group, ApiGroup.Version, cluster.Namespace, V1Alpha1Skill.KubePlural, name, TestContext.Current.CancellationToken);

    public static Task<V1Alpha1Agent> AgentAsync(this OperatorCluster cluster, string name) =>
        cluster.Client("test").CustomObjects.GetNamespacedCustomObjectAsync<V1Alpha1Agent>(ApiGroup.Group, ApiGroup.Version, cluster.Namespace, V1Alpha1Agent.KubePlural, name, TestContext.Current.CancellationToken);

    public static Task<V1Alpha1AgentPool> PoolAsync(this OperatorCluster cluster, string name) =>
        cluster.Client("test").CustomObjects.GetNamespacedCustomObjectAsync<V1Alpha1AgentPool>(ApiGroup.Group, ApiGroup.Version, cluster.Namespace, V1Alpha1AgentPool.KubePlural, name, TestContext.Current.CancellationToken);

    public static string? Condition(this IEnumerable<k8s.Models.V1Condition>? conditions, string type, out string? reason, out string? message)
    {
        var condition = conditions?.FirstOrDefault(c => c.Type == type);
        reason = condition?.Reason;
        message = condition?.Message;
        return condition?.Status;
    }

    /// <summary>Writes a manifest to a file in the test folder and applies it with kubectl.</summary>
    public static async Task ApplyAsync(this OperatorCluster cluster, string yaml)
    {
        var path = Path.Combine(cluster.Directory, $"manifest-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(path, yaml, TestContext.Current.CancellationToken);
        await cluster.Kubectl.OkAsync("apply", "-f", path);
    }
}
