using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Authorization;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>The RBAC evaluation behind SubjectAccessReviews, over stored roles and bindings.</summary>
public sealed class RbacAuthorizerTests : IDisposable
{
    private const string Rbac = "rbac.authorization.k8s.io";
    private const string Alice = "alice";
    private static readonly string[] Authenticated = ["system:authenticated"];
    private static readonly string[] HpaGroups = ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"];
    private const string Hpa = "system:serviceaccount:kube-system:horizontal-pod-autoscaler";

    private readonly ObjectStore _store = new(null, 100);
    private RbacAuthorizer Authorizer => new(_store);

    [Fact]
    public void Nothing_is_allowed_without_a_binding_but_system_masters_may_do_anything()
    {
        Assert.False(Authorizer.Authorize(Pods(Alice, "list", "team-a")).Allowed);
        var masters = Authorizer.Authorize(new AccessRequest(Alice, ["system:masters"], "delete") { Resource = "secrets", Namespace = "x", Name = "y" });
        Assert.True(masters.Allowed);
    }

    [Fact]
    public void A_cluster_role_binding_allows_everywhere_a_role_binding_only_in_its_namespace()
    {
        Role("ClusterRole", "", "pod-reader", Rule(["get", "list"], [""], ["pods"]));
        Binding("RoleBinding", "team-a", "alice-reads", "ClusterRole", "pod-reader", Subject("User", Alice));

        Assert.True(Authorizer.Authorize(Pods(Alice, "list", "team-a")).Allowed);
        Assert.False(Authorizer.Authorize(Pods(Alice, "list", "team-b")).Allowed);
        Assert.False(Authorizer.Authorize(Pods(Alice, "delete", "team-a", "p")).Allowed);
        Assert.False(Authorizer.Authorize(Pods(Alice, "list", null)).Allowed);

        Binding("ClusterRoleBinding", "", "alice-reads-all", "ClusterRole", "pod-reader", Subject("User", Alice));
        var everywhere = Authorizer.Authorize(Pods(Alice, "list", "team-b"));
        Assert.True(everywhere.Allowed);
        Assert.Contains("ClusterRoleBinding \"alice-reads-all\"", everywhere.Reason, StringComparison.Ordinal);
        Assert.True(Authorizer.Authorize(Pods(Alice, "list", null)).Allowed);
    }

    [Fact]
    public void A_role_applies_through_a_binding_in_its_own_namespace()
    {
        Role("Role", "team-a", "secret-writer", Rule(["create"], [""], ["secrets"]));
        Binding("RoleBinding", "team-a", "bob-writes", "Role", "secret-writer", Subject("User", "bob"));
        Binding("RoleBinding", "team-b", "bob-writes", "Role", "secret-writer", Subject("User", "bob"));

        Assert.True(Authorizer.Authorize(new AccessRequest("bob", Authenticated, "create") { Resource = "secrets", Namespace = "team-a" }).Allowed);
        // team-b has no Role of that name: its binding grants nothing.
        Assert.False(Authorizer.Authorize(new AccessRequest("bob", Authenticated, "create") { Resource = "secrets", Namespace = "team-b" }).Allowed);
    }

    [Fact]
    public void Groups_service_accounts_wildcards_and_subresources_are_matched_as_rbac_does()
    {
        Role("ClusterRole", "", "system:controller:horizontal-pod-autoscaler", Rule(["get", "list"], ["external.metrics.k8s.io"], ["*"]));
        Binding("ClusterRoleBinding", "", "system:controller:horizontal-pod-autoscaler", "ClusterRole", "system:controller:horizontal-pod-autoscaler",
            Subject("ServiceAccount", "horizontal-pod-autoscaler", "kube-system"));
        Role("ClusterRole", "", "scaler", Rule(["update"], ["apps"], ["deployments/scale"]));
        Binding("ClusterRoleBinding", "", "operators-scale", "ClusterRole", "scaler", Subject("Group", "operators"));

        var metric = new AccessRequest(Hpa, HpaGroups, "list") { Group = "external.metrics.k8s.io", Resource = "metaevolve_pool_queue_lag", Namespace = "team-a" };
        Assert.True(Authorizer.Authorize(metric).Allowed);
        Assert.False(Authorizer.Authorize(metric with { Verb = "watch" }).Allowed);
        Assert.False(Authorizer.Authorize(metric with { User = "system:serviceaccount:team-a:horizontal-pod-autoscaler" }).Allowed);
        Assert.False(Authorizer.Authorize(metric with { Group = "custom.metrics.k8s.io" }).Allowed);

        var scale = new AccessRequest("carol", ["operators"], "update") { Group = "apps", Resource = "deployments", Subresource = "scale", Namespace = "x", Name = "d" };
        Assert.True(Authorizer.Authorize(scale).Allowed);
        Assert.False(Authorizer.Authorize(scale with { Subresource = null }).Allowed);
        Assert.False(Authorizer.Authorize(scale with { Groups = Authenticated }).Allowed);
    }

    [Fact]
    public void A_service_account_subject_without_namespace_means_the_bindings_namespace()
    {
        Role("ClusterRole", "", "lease-user", Rule(["get"], ["coordination.k8s.io"], ["leases"]));
        Binding("RoleBinding", "ops", "op-leases", "ClusterRole", "lease-user", Subject("ServiceAccount", "operator"));

        var lease = new AccessRequest("system:serviceaccount:ops:operator", HpaGroups, "get") { Group = "coordination.k8s.io", Resource = "leases", Namespace = "ops", Name = "l" };
        Assert.True(Authorizer.Authorize(lease).Allowed);
        Assert.False(Authorizer.Authorize(lease with { User = "system:serviceaccount:default:operator" }).Allowed);
    }

    [Fact]
    public void Resource_names_limit_a_rule_to_the_named_objects()
    {
        Role("Role", "kube-system", "extension-apiserver-authentication-reader",
            Rule(["get", "list", "watch"], [""], ["configmaps"], names: ["extension-apiserver-authentication"]));
        Binding("RoleBinding", "kube-system", "reader", "Role", "extension-apiserver-authentication-reader", Subject("User", Alice));

        var read = new AccessRequest(Alice, Authenticated, "get") { Resource = "configmaps", Namespace = "kube-system", Name = "extension-apiserver-authentication" };
        Assert.True(Authorizer.Authorize(read).Allowed);
        Assert.False(Authorizer.Authorize(read with { Name = "other" }).Allowed);
        Assert.False(Authorizer.Authorize(read with { Verb = "list", Name = null }).Allowed);
    }

    [Fact]
    public void Non_resource_urls_match_exactly_or_by_a_trailing_star_and_only_through_cluster_role_bindings()
    {
        Role("ClusterRole", "", "system:discovery", new JsonObject { ["verbs"] = new JsonArray("get"), ["nonResourceURLs"] = new JsonArray("/api", "/api/*", "/apis", "/apis/*", "/version") });
        Binding("ClusterRoleBinding", "", "system:discovery", "ClusterRole", "system:discovery", Subject("Group", "system:authenticated"));
        Role("ClusterRole", "", "health", new JsonObject { ["verbs"] = new JsonArray("get"), ["nonResourceURLs"] = new JsonArray("/healthz") });
        Binding("RoleBinding", "team-a", "health", "ClusterRole", "health", Subject("User", Alice));

        AccessRequest Path(string path, string verb = "get") => new(Alice, Authenticated, verb) { Path = path };
        Assert.True(Authorizer.Authorize(Path("/apis")).Allowed);
        Assert.True(Authorizer.Authorize(Path("/apis/external.metrics.k8s.io/v1beta1")).Allowed);
        Assert.True(Authorizer.Authorize(Path("/version")).Allowed);
        Assert.False(Authorizer.Authorize(Path("/version/x")).Allowed);
        Assert.False(Authorizer.Authorize(Path("/apis", "post")).Allowed);
        Assert.False(Authorizer.Authorize(Path("/healthz")).Allowed);
        Assert.False(Authorizer.Authorize(new AccessRequest(Alice, ["system:unauthenticated"], "get") { Path = "/apis" }).Allowed);
    }

    private static AccessRequest Pods(string user, string verb, string? ns, string? name = null) =>
        new(user, Authenticated, verb) { Resource = "pods", Namespace = ns, Name = name };

    private static JsonObject Rule(string[] verbs, string[] groups, string[] resources, string[]? names = null)
    {
        var rule = new JsonObject
        {
            ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
            ["apiGroups"] = new JsonArray([.. groups.Select(v => (JsonNode)v)]),
            ["resources"] = new JsonArray([.. resources.Select(v => (JsonNode)v)]),
        };
        if (names is not null)
        {
            rule["resourceNames"] = new JsonArray([.. names.Select(v => (JsonNode)v)]);
        }

        return rule;
    }

    private static JsonObject Subject(string kind, string name, string? ns = null)
    {
        var subject = new JsonObject { ["kind"] = kind, ["name"] = name };
        if (ns is not null)
        {
            subject["namespace"] = ns;
        }

        return subject;
    }

    private void Role(string kind, string ns, string name, params JsonObject[] rules) =>
        _store.Create(new ObjectKey(new GroupResource(Rbac, kind == "Role" ? "roles" : "clusterroles"), ns, name), new JsonObject
        {
            ["apiVersion"] = $"{Rbac}/v1",
            ["kind"] = kind,
            ["metadata"] = Metadata(ns, name),
            ["rules"] = new JsonArray([.. rules]),
        });

    private void Binding(string kind, string ns, string name, string roleKind, string role, params JsonObject[] subjects) =>
        _store.Create(new ObjectKey(new GroupResource(Rbac, kind == "RoleBinding" ? "rolebindings" : "clusterrolebindings"), ns, name), new JsonObject
        {
            ["apiVersion"] = $"{Rbac}/v1",
            ["kind"] = kind,
            ["metadata"] = Metadata(ns, name),
            ["roleRef"] = new JsonObject { ["apiGroup"] = Rbac, ["kind"] = roleKind, ["name"] = role },
            ["subjects"] = new JsonArray([.. subjects]),
        });

    private static JsonObject Metadata(string ns, string name) =>
        ns.Length == 0 ? new JsonObject { ["name"] = name } : new JsonObject { ["name"] = name, ["namespace"] = ns };

    public void Dispose() => _store.Dispose();
}
