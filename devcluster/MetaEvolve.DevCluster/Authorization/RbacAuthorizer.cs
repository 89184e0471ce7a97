using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Authentication;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Authorization;

/// <summary>
/// Kubernetes RBAC over the stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, as kube-apiserver's
/// RBAC authorizer decides: a request is allowed when a binding whose subjects include the user (User), one of its
/// groups (Group) or its ServiceAccount grants a role with a rule that covers it; ClusterRoleBindings apply
/// everywhere, RoleBindings only in their namespace (and never to non-resource URLs). <c>system:masters</c> may do
/// anything. Aggregated ClusterRoles (<c>aggregationRule</c>) are not expanded. The dev control plane answers
/// SubjectAccessReviews with it; its own requests are not authorized by it (any authenticated caller may do anything).
/// </summary>
public sealed class RbacAuthorizer(ObjectStore store)
{
    private const string RbacGroup = "rbac.authorization.k8s.io";
    private static readonly GroupResource Roles = new(RbacGroup, "roles");
    private static readonly GroupResource ClusterRoles = new(RbacGroup, "clusterroles");
    private static readonly GroupResource RoleBindings = new(RbacGroup, "rolebindings");
    private static readonly GroupResource ClusterRoleBindings = new(RbacGroup, "clusterrolebindings");

    public AccessDecision Authorize(AccessRequest request)
    {
        if (request.Groups.Contains(Caller.Masters, StringComparer.Ordinal))
        {
            return new AccessDecision(true, $"group \"{Caller.Masters}\" may do anything");
        }

        foreach (var binding in store.List(ClusterRoleBindings, null).Items)
        {
            if (Applies(binding, request, bindingNamespace: "") && (string?)binding["roleRef"]?["kind"] == "ClusterRole"
                && RulesOf(ClusterRoles, "", binding).Any(r => Covers(r, request)))
            {
                return Allowed("ClusterRoleBinding", binding, request);
            }
        }

        if (request.IsResourceRequest && !string.IsNullOrEmpty(request.Namespace))
        {
            foreach (var binding in store.List(RoleBindings, request.Namespace).Items)
            {
                var roleKind = (string?)binding["roleRef"]?["kind"];
                var rules = roleKind switch
                {
                    "Role" => RulesOf(Roles, request.Namespace, binding),
                    "ClusterRole" => RulesOf(ClusterRoles, "", binding),
                    _ => [],
                };
                if (Applies(binding, request, request.Namespace) && rules.Any(r => Covers(r, request)))
                {
                    return Allowed("RoleBinding", binding, request);
                }
            }
        }

        return new AccessDecision(false, "");
    }

    private static AccessDecision Allowed(string kind, JsonObject binding, AccessRequest request)
    {
        var ns = ObjectMeta.Namespace(binding);
        var where = ns.Length == 0 ? "" : $" of namespace \"{ns}\"";
        return new AccessDecision(true,
            $"RBAC: allowed by {kind} \"{ObjectMeta.Name(binding)}\"{where} of {(string?)binding["roleRef"]?["kind"]} \"{(string?)binding["roleRef"]?["name"]}\" to user \"{request.User}\"");
    }

    private IEnumerable<JsonObject> RulesOf(GroupResource roles, string ns, JsonObject binding)
    {
        var role = store.Get(new ObjectKey(roles, ns, (string?)binding["roleRef"]?["name"] ?? ""));
        return role?["rules"] is JsonArray rules ? rules.OfType<JsonObject>() : [];
    }

    private static bool Applies(JsonObject binding, AccessRequest request, string bindingNamespace)
    {
        foreach (var subject in binding["subjects"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var name = (string?)subject["name"] ?? "";
            var matches = (string?)subject["kind"] switch
            {
                "User" => name == request.User,
                "Group" => request.Groups.Contains(name, StringComparer.Ordinal),
                // A ServiceAccount subject without a namespace means the binding's own (RoleBindings only).
                "ServiceAccount" => request.User == ServiceAccountTokens.UserName((string?)subject["namespace"] is { Length: > 0 } sns ? sns : bindingNamespace, name),
                _ => false,
            };
            if (matches)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Covers(JsonObject rule, AccessRequest request)
    {
        if (!Has(rule, "verbs", request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            return Strings(rule, "nonResourceURLs").Any(url => url == "*" || url == request.Path
                || url.EndsWith('*') && (request.Path ?? "").StartsWith(url[..^1], StringComparison.Ordinal));
        }

        if (!Has(rule, "apiGroups", request.Group))
        {
            return false;
        }

        var resources = Strings(rule, "resources").ToList();
        var coversResource = string.IsNullOrEmpty(request.Subresource)
            ? resources.Any(r => r == "*" || r == request.Resource)
            : resources.Any(r => r == "*" || r == $"{request.Resource}/{request.Subresource}" || r == $"*/{request.Subresource}" || r == $"{request.Resource}/*");
        if (!coversResource)
        {
            return false;
        }

        // resourceNames limit a rule to named objects: a request without a name (list, create) is not covered.
        var names = Strings(rule, "resourceNames").ToList();
        return names.Count == 0 || request.Name is { Length: > 0 } objectName && names.Contains(objectName, StringComparer.Ordinal);
    }

    private static bool Has(JsonObject rule, string field, string value) => Strings(rule, field).Any(v => v == "*" || v == value);

    private static IEnumerable<string> Strings(JsonObject rule, string field) =>
        rule[field] is JsonArray values ? values.Select(v => (string?)v ?? "") : [];
}
