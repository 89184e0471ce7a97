using MetaEvolve.Operator.Rbac;

namespace MetaEvolve.Operator.Tests.Rbac;

public class ClusterRoleTests
{
    [Fact]
    public void Checked_in_cluster_role_matches_what_the_code_declares()
    {
        var path = Path.Combine(RepositoryRoot.Path, OperatorClusterRole.RelativePath);
        Assert.True(File.Exists(path), $"{OperatorClusterRole.RelativePath} is missing: run `make manifests`.");
        Assert.True(File.ReadAllText(path) == OperatorClusterRole.Render(), $"{OperatorClusterRole.RelativePath} is stale: run `make manifests` and commit the result.");
    }

    [Theory]
    [InlineData("patch", "metaevolve.io", "agentpools", "status", true)]
    [InlineData("watch", "apps", "deployments", null, true)]
    [InlineData("update", "coordination.k8s.io", "leases", null, true)]
    [InlineData("create", "", "events", null, true)]
    [InlineData("delete", "metaevolve.io", "agentpools", null, false)]
    [InlineData("create", "", "pods", null, false)]
    // The 0↔1 step of scale to zero goes through /scale; nothing else of the Deployment's subresources is touched.
    [InlineData("patch", "apps", "deployments", "scale", true)]
    [InlineData("update", "apps", "deployments", "status", false)]
    [InlineData("create", "autoscaling", "horizontalpodautoscalers", null, true)]
    [InlineData("update", "autoscaling", "horizontalpodautoscalers", "status", false)]
    [InlineData("delete", "keda.sh", "scaledobjects", null, true)]
    [InlineData("create", "keda.sh", "triggerauthentications", null, false)]
    public void The_role_allows_what_the_operator_does_and_nothing_it_does_not(string verb, string group, string resource, string? subresource, bool allowed)
    {
        Assert.Equal(allowed, OperatorClusterRole.Allows(OperatorClusterRole.Generate().Rules, verb, group, resource, subresource));
    }
}
