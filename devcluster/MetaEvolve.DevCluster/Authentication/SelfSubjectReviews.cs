using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;

namespace MetaEvolve.DevCluster.Authentication;

/// <summary>
/// <c>POST /apis/authentication.k8s.io/v1/selfsubjectreviews</c>: who the caller is, as this server authenticated it
/// (<c>kubectl auth whoami</c>, and <c>metaevolve skill approve</c> for the approver's name). Like the real API
/// server's, the review is answered, not stored.
/// </summary>
public static class SelfSubjectReviews
{
    public static readonly GroupResource Resource = new("authentication.k8s.io", "selfsubjectreviews");

    public static JsonObject Review(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return new JsonObject
        {
            ["kind"] = "SelfSubjectReview",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = null },
            ["status"] = new JsonObject
            {
                ["userInfo"] = new JsonObject
                {
                    ["username"] = caller.Name,
                    ["groups"] = new JsonArray([.. caller.Groups.Select(g => JsonValue.Create(g))]),
                },
            },
        };
    }
}
