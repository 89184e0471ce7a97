using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// A failure the API reports as a <c>Status</c> object, shaped like the real server's so kubectl and
/// KubernetesClient print and classify it the same way (reason, code, details.causes).
/// </summary>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = Message,
        ["reason"] = Reason,
        ["details"] = Details?.DeepClone(),
        ["code"] = Code,
    };

    private static JsonObject Detail(ResourceType type, string name, JsonArray? causes = null)
    {
        var details = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural };
        if (causes is not null)
        {
            details["causes"] = causes;
        }

        return details;
    }

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedName} \"{name}\" not found", Detail(type, name));

    public static ApiException NotFound(string message) => new(404, "NotFound", message);

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedName} \"{name}\" already exists", Detail(type, name));

    public static ApiException Conflict(ResourceType type, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": {why}", Detail(type, name));

    public static ApiException StaleResourceVersion(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {contentType})");

    public static ApiException Forbidden(ResourceType type, string name, string why) =>
        new(403, "Forbidden", $"{type.QualifiedName} \"{name}\" is forbidden: {why}", Detail(type, name));

    /// <summary>422 Invalid with one cause per field error; kubectl prints "The Kind "name" is invalid: field: message".</summary>
    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldCause> causes)
    {
        var array = new JsonArray();
        foreach (var c in causes)
        {
            array.Add(new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field });
        }

        var joined = causes.Count == 1
            ? $"{causes[0].Field}: {causes[0].Message}"
            : "[" + string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}")) + "]";
        var kind = type.Group.Length == 0 ? type.Kind : $"{type.Kind}.{type.Group}";
        var details = new JsonObject
        {
            ["name"] = name,
            ["group"] = type.Group,
            ["kind"] = type.Kind,
            ["causes"] = array,
        };
        return new ApiException(422, "Invalid", $"{kind} \"{name}\" is invalid: {joined}", details);
    }
}

/// <summary>One entry of <c>details.causes</c>: reason such as FieldValueInvalid, message, field path.</summary>
public sealed record FieldCause(string Reason, string Message, string Field);
