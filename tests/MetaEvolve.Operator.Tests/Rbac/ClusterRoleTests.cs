using MetaEvolve.DevCluster.Local;
using MetaEvolve.Operator.Rbac;

namespace MetaEvolve.Operator.Tests.Rbac;

public class ClusterRoleTests
{
    [Theory]
    [InlineData(OperatorClusterRole.RelativePath)]
    [InlineData(OperatorRole.RelativePath)]
    public void Checked_in_roles_match_what_the_code_declares(string relativePath)
    {
        var rendered = relativePath == OperatorRole.RelativePath ? OperatorRole.Render() : OperatorClusterRole.Render();
        var path = Path.Combine(RepositoryRoot.Path, relativePath);
        Assert.True(File.Exists(path), $"{relativePath} is missing: run `make manifests`.");
        Assert.True(File.ReadAllText(path) == rendered, $"{relativePath} is stale: run `make manifests` and commit the result.");
    }

    [Theory]
    [InlineData("patch", "metaevolve.io", "agentpools", "status", true)]
    [InlineData("watch", "apps", "deployments", null, true)]
    [InlineData("create", "", "events", null, true)]
    [InlineData("delete", "metaevolve.io", "agentpools", null, false)]
    // Agents' proposals become Skills the operator creates; it never deletes one.
    [InlineData("create", "metaevolve.io", "skills", null, true)]
    [InlineData("delete", "metaevolve.io", "skills", null, false)]
    [InlineData("create", "", "pods", null, false)]
    // The 0↔1 step of scale to zero goes through /scale; nothing else of the Deployment's subresources is touched.
    [InlineData("patch", "apps", "deployments", "scale", true)]
    [InlineData("update", "apps", "deployments", "status", false)]
    [InlineData("create", "autoscaling", "horizontalpodautoscalers", null, true)]
    [InlineData("update", "autoscaling", "horizontalpodautoscalers", "status", false)]
    [InlineData("delete", "keda.sh", "scaledobjects", null, true)]
    [InlineData("create", "keda.sh", "triggerauthentications", null, false)]
    // Leases only through the Role in the operator's namespace: no other namespace's Lease is writable.
    [InlineData("update", "coordination.k8s.io", "leases", null, false)]
    public void The_cluster_role_allows_what_the_operator_does_and_nothing_it_does_not(string verb, string group, string resource, string? subresource, bool allowed)
    {
        Assert.Equal(allowed, PermissionRules.Allows(OperatorClusterRole.Generate().Rules, verb, group, resource, subresource));
    }

    [Theory]
    [InlineData("get", true)]
    [InlineData("create", true)]
    [InlineData("update", true)]
    [InlineData("delete", false)]
    [InlineData("list", false)]
    public void The_namespace_role_grants_the_leader_election_lease_and_nothing_else(string verb, bool allowed)
    {
        var rules = OperatorRole.Generate().Rules;
        Assert.Equal(allowed, PermissionRules.Allows(rules, verb, "coordination.k8s.io", "leases", null));
        Assert.All(rules, r => Assert.Equal(["coordination.k8s.io"], r.ApiGroups));
    }
}
