using System.Globalization;
using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>Small typed accessors over <c>metadata</c> of a JSON object.</summary>
public static class ObjectMeta
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject m)
        {
            m = [];
            obj["metadata"] = m;
        }

        return m;
    }

    public static string Name(JsonObject obj) => (string?)obj["metadata"]?["name"] ?? "";
    public static string Namespace(JsonObject obj) => (string?)obj["metadata"]?["namespace"] ?? "";
    public static string Uid(JsonObject obj) => (string?)obj["metadata"]?["uid"] ?? "";
    public static string ResourceVersion(JsonObject obj) => (string?)obj["metadata"]?["resourceVersion"] ?? "";
    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static List<string> Finalizers(JsonObject obj) =>
        (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => (string?)f ?? "").ToList() ?? [];

    public static void SetFinalizers(JsonObject obj, IEnumerable<string> finalizers)
    {
        var list = finalizers.ToList();
        if (list.Count == 0)
        {
            Metadata(obj).Remove("finalizers");
        }
        else
        {
            Metadata(obj)["finalizers"] = new JsonArray(list.Select(f => (JsonNode?)f).ToArray());
        }
    }

    public static IEnumerable<JsonObject> OwnerReferences(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray)?.OfType<JsonObject>() ?? [];

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
