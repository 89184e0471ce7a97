using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Authentication;

namespace MetaEvolve.DevCluster.Authorization;

/// <summary>
/// The objects a real cluster is born with that aggregated API servers depend on, as kube-apiserver writes them at
/// start: ConfigMap <c>kube-system/extension-apiserver-authentication</c> (the client CAs and requestheader settings),
/// and the bootstrap roles their authorization meets — <c>cluster-admin</c> for <c>system:masters</c>,
/// <c>system:discovery</c> for every authenticated user, the HPA controller's right to read external metrics,
/// <c>system:auth-delegator</c> and <c>extension-apiserver-authentication-reader</c>.
/// </summary>
public static class BootstrapPolicy
{
    public const string AuthenticationConfigMap = "extension-apiserver-authentication";
    public const string HpaServiceAccount = "horizontal-pod-autoscaler";
    private const string Rbac = "rbac.authorization.k8s.io";

    /// <summary>(resource, namespace, name, object) for each bootstrap object.</summary>
    public static IEnumerable<(string Resource, string Namespace, JsonObject Object)> Objects(ClusterCredentials credentials)
    {
        yield return ("configmaps", "kube-system", AuthenticationConfigMapFor(credentials));

        yield return ("clusterroles", "", ClusterRole("cluster-admin",
            new JsonObject { ["apiGroups"] = Strings("*"), ["resources"] = Strings("*"), ["verbs"] = Strings("*") },
            new JsonObject { ["nonResourceURLs"] = Strings("*"), ["verbs"] = Strings("*") }));
        yield return ("clusterrolebindings", "", ClusterRoleBinding("cluster-admin", "cluster-admin", Subject("Group", Caller.Masters)));

        yield return ("clusterroles", "", ClusterRole("system:discovery", new JsonObject
        {
            ["nonResourceURLs"] = Strings("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*", "/version", "/version/"),
            ["verbs"] = Strings("get"),
        }));
        yield return ("clusterrolebindings", "", ClusterRoleBinding("system:discovery", "system:discovery", Subject("Group", Caller.Authenticated)));

        const string hpa = "system:controller:horizontal-pod-autoscaler";
        yield return ("clusterroles", "", ClusterRole(hpa,
            new JsonObject { ["apiGroups"] = Strings("external.metrics.k8s.io"), ["resources"] = Strings("*"), ["verbs"] = Strings("get", "list") }));
        yield return ("clusterrolebindings", "", ClusterRoleBinding(hpa, hpa, Subject("ServiceAccount", HpaServiceAccount, "kube-system")));

        yield return ("clusterroles", "", ClusterRole("system:auth-delegator",
            new JsonObject { ["apiGroups"] = Strings("authentication.k8s.io"), ["resources"] = Strings("tokenreviews"), ["verbs"] = Strings("create") },
            new JsonObject { ["apiGroups"] = Strings("authorization.k8s.io"), ["resources"] = Strings("subjectaccessreviews"), ["verbs"] = Strings("create") }));
        yield return ("roles", "kube-system", Role("kube-system", "extension-apiserver-authentication-reader", new JsonObject
        {
            ["apiGroups"] = Strings(""),
            ["resources"] = Strings("configmaps"),
            ["resourceNames"] = Strings(AuthenticationConfigMap),
            ["verbs"] = Strings("get", "list", "watch"),
        }));
    }

    /// <summary>What kube-apiserver publishes from its --client-ca-file and --requestheader-* flags (all arrays as JSON).</summary>
    public static JsonObject AuthenticationConfigMapFor(ClusterCredentials credentials) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = AuthenticationConfigMap, ["namespace"] = "kube-system" },
        ["data"] = new JsonObject
        {
            ["client-ca-file"] = credentials.Authority.CertificatePem,
            ["requestheader-client-ca-file"] = credentials.FrontProxy.Authority.CertificatePem,
            ["requestheader-allowed-names"] = Json(ClusterCredentials.FrontProxyClientName),
            ["requestheader-username-headers"] = Json("X-Remote-User"),
            ["requestheader-group-headers"] = Json("X-Remote-Group"),
            ["requestheader-extra-headers-prefix"] = Json("X-Remote-Extra-"),
        },
    };

    private static string Json(params string[] values) => JsonSerializer.Serialize(values);

    private static JsonArray Strings(params string[] values) => new([.. values.Select(v => (JsonNode)v)]);

    private static JsonObject Subject(string kind, string name, string? ns = null)
    {
        var subject = new JsonObject { ["kind"] = kind, ["name"] = name };
        if (kind != "ServiceAccount")
        {
            subject["apiGroup"] = Rbac;
        }

        if (ns is not null)
        {
            subject["namespace"] = ns;
        }

        return subject;
    }

    private static JsonObject ClusterRole(string name, params JsonObject[] rules) => new()
    {
        ["apiVersion"] = $"{Rbac}/v1",
        ["kind"] = "ClusterRole",
        ["metadata"] = Bootstrapped(name, null),
        ["rules"] = new JsonArray([.. rules]),
    };

    private static JsonObject Role(string ns, string name, params JsonObject[] rules) => new()
    {
        ["apiVersion"] = $"{Rbac}/v1",
        ["kind"] = "Role",
        ["metadata"] = Bootstrapped(name, ns),
        ["rules"] = new JsonArray([.. rules]),
    };

    private static JsonObject ClusterRoleBinding(string name, string role, params JsonObject[] subjects) => new()
    {
        ["apiVersion"] = $"{Rbac}/v1",
        ["kind"] = "ClusterRoleBinding",
        ["metadata"] = Bootstrapped(name, null),
        ["roleRef"] = new JsonObject { ["apiGroup"] = Rbac, ["kind"] = "ClusterRole", ["name"] = role },
        ["subjects"] = new JsonArray([.. subjects]),
    };

    // The label kube-apiserver puts on its bootstrap RBAC objects.
    private static JsonObject Bootstrapped(string name, string? ns)
    {
        var metadata = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/bootstrapping"] = "rbac-defaults" } };
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }

        return metadata;
    }
}
