using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// What the real server fills in when built-ins are created: a namespace's finalizer and phase, a
/// CRD's cleanup finalizer and Established status (there is no delay to wait out here), a
/// Deployment's default replica count, a Secret's default type (Opaque).
/// </summary>
public static class BuiltInDefaults
{
    public static void OnCreate(ResourceType type, JsonObject obj)
    {
        switch (type.Group, type.Plural)
        {
            case ("", "namespaces"):
                obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray(Finalizers.Namespace) };
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case ("apiextensions.k8s.io", "customresourcedefinitions"):
                ValidateCrd(type, obj);
                ObjectMeta.SetFinalizers(obj, ObjectMeta.Finalizers(obj).Append(Finalizers.CrdCleanup).Distinct());
                obj["status"] = CrdStatus(obj);
                break;
            case ("", "secrets") when string.IsNullOrEmpty((string?)obj["type"]):
                obj["type"] = "Opaque";
                break;
            case ("apps", "deployments"):
                if (obj["spec"] is JsonObject spec && spec["replicas"] is null)
                {
                    spec["replicas"] = 1;
                }

                break;
        }
    }

    /// <summary>What every create and update of the main resource normalizes.</summary>
    public static void OnWrite(ResourceType type, JsonObject obj)
    {
        if (type.Group.Length == 0 && type.Plural == "secrets" && obj["stringData"] is JsonObject stringData)
        {
            // Like the real server: stringData is write-only, merged into data as base64.
            if (obj["data"] is not JsonObject data)
            {
                data = [];
                obj["data"] = data;
            }

            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes((string?)value ?? ""));
            }

            obj.Remove("stringData");
        }
    }

    /// <summary>The status a CRD reaches once its names are accepted and it is served.</summary>
    public static JsonObject CrdStatus(JsonObject crd)
    {
        var now = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        var storage = (crd["spec"]?["versions"] as JsonArray)?.OfType<JsonObject>()
            .Where(v => v["storage"]?.GetValue<bool>() == true).Select(v => (string?)v["name"]).FirstOrDefault();
        return new JsonObject
        {
            ["acceptedNames"] = crd["spec"]?["names"]?.DeepClone(),
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };

    private static void ValidateCrd(ResourceType type, JsonObject crd)
    {
        var name = ObjectMeta.Name(crd);
        var group = (string?)crd["spec"]?["group"];
        var plural = (string?)crd["spec"]?["names"]?["plural"];
        if (name != $"{plural}.{group}")
        {
            throw ApiException.Invalid(type, name,
                [new FieldCause("FieldValueInvalid", $"Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group", "metadata.name")]);
        }

        if ((crd["spec"]?["versions"] as JsonArray)?.Count is null or 0)
        {
            throw ApiException.Invalid(type, name,
                [new FieldCause("FieldValueRequired", "Required value: must have exactly one version marked as storage version", "spec.versions")]);
        }
    }
}
