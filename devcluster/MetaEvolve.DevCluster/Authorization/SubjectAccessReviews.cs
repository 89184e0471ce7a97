using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.DevCluster.Authorization;

/// <summary>
/// <c>POST /apis/authorization.k8s.io/v1/subjectaccessreviews</c>: what aggregated API servers (the operator's
/// external metrics API) ask before they answer a user. The review is answered by <see cref="RbacAuthorizer"/> and
/// returned with its status; like the real API server's, it is not stored.
/// </summary>
public sealed class SubjectAccessReviews(RbacAuthorizer authorizer)
{
    public static readonly GroupResource Resource = new("authorization.k8s.io", "subjectaccessreviews");

    public JsonObject Review(JsonObject review)
    {
        var spec = review["spec"] as JsonObject ?? throw Invalid("spec", "Required value");
        var user = (string?)spec["user"] ?? "";
        var groups = spec["groups"] is JsonArray g ? g.Select(x => (string?)x ?? "").Where(x => x.Length > 0).ToList() : [];
        if (user.Length == 0 && groups.Count == 0)
        {
            throw Invalid("spec.user", "at least one of user or group must be specified");
        }

        var resource = spec["resourceAttributes"] as JsonObject;
        var nonResource = spec["nonResourceAttributes"] as JsonObject;
        if (resource is null == nonResource is null)
        {
            throw Invalid("spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }

        var request = resource is not null
            ? new AccessRequest(user, groups, (string?)resource["verb"] ?? "")
            {
                Group = (string?)resource["group"] ?? "",
                Resource = (string?)resource["resource"] ?? "",
                Subresource = (string?)resource["subresource"],
                Namespace = (string?)resource["namespace"],
                Name = (string?)resource["name"],
            }
            : new AccessRequest(user, groups, (string?)nonResource!["verb"] ?? "") { Path = (string?)nonResource["path"] ?? "" };
        var decision = authorizer.Authorize(request);

        var status = new JsonObject { ["allowed"] = decision.Allowed };
        if (decision.Reason.Length > 0)
        {
            status["reason"] = decision.Reason;
        }

        return new JsonObject
        {
            ["kind"] = "SubjectAccessReview",
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["spec"] = spec.DeepClone(),
            ["status"] = status,
        };
    }

    private static ApiException Invalid(string field, string message) =>
        new(422, "Invalid", $"SubjectAccessReview.authorization.k8s.io \"\" is invalid: {field}: Invalid value: {message}");
}
