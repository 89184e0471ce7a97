using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Api;

/// <summary>Turns a CustomResourceDefinition object into the resource types it serves, one per served version.</summary>
public static class CrdResourceTypes
{
    public static IReadOnlyList<ResourceType> From(JsonObject crd)
    {
        var spec = crd["spec"]?.AsObject() ?? throw new ArgumentException("CRD has no spec", nameof(crd));
        var names = spec["names"]?.AsObject() ?? throw new ArgumentException("CRD has no spec.names", nameof(crd));
        var group = (string?)spec["group"] ?? "";
        var kind = (string?)names["kind"] ?? "";
        var plural = (string?)names["plural"] ?? "";
        var singular = (string?)names["singular"] ?? kind.ToLowerInvariant();
        var shortNames = Strings(names["shortNames"]);
        var categories = Strings(names["categories"]);
        var namespaced = !string.Equals((string?)spec["scope"], "Cluster", StringComparison.Ordinal);

        var types = new List<ResourceType>();
        foreach (var version in spec["versions"]?.AsArray() ?? [])
        {
            if (version is not JsonObject v || v["served"]?.GetValue<bool>() == false)
            {
                continue;
            }

            var subresources = v["subresources"] as JsonObject;
            var scale = subresources?["scale"] as JsonObject;
            types.Add(new ResourceType
            {
                Group = group,
                Version = (string?)v["name"] ?? "",
                Kind = kind,
                Plural = plural,
                Singular = singular,
                Namespaced = namespaced,
                ShortNames = shortNames,
                Categories = categories,
                HasStatus = subresources?["status"] is not null,
                HasGeneration = true,
                Scale = scale is null
                    ? null
                    : new ScaleSubresource((string?)scale["specReplicasPath"] ?? ".spec.replicas",
                        (string?)scale["statusReplicasPath"] ?? ".status.replicas", (string?)scale["labelSelectorPath"]),
                Columns = Columns(v["additionalPrinterColumns"] as JsonArray),
                Schema = v["schema"]?["openAPIV3Schema"]?.DeepClone().AsObject(),
                Crd = crd,
            });
        }

        return types;
    }

    private static List<PrinterColumn> Columns(JsonArray? declared)
    {
        List<PrinterColumn> columns =
        [
            new("Name", "string", ".metadata.name", "Name must be unique within a namespace.", 0, "name"),
        ];
        if (declared is null)
        {
            columns.Add(new("Age", "date", ".metadata.creationTimestamp", "CreationTimestamp of the object."));
            return columns;
        }

        foreach (var c in declared.OfType<JsonObject>())
        {
            columns.Add(new PrinterColumn(
                (string?)c["name"] ?? "",
                (string?)c["type"] ?? "string",
                (string?)c["jsonPath"] ?? "",
                (string?)c["description"] ?? "",
                c["priority"]?.GetValue<int>() ?? 0,
                (string?)c["format"] ?? ""));
        }

        return columns;
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(x => (string?)x ?? "").Where(x => x.Length > 0).ToList() : [];
}
