using System.Globalization;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Semantics;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// Server-side printing: turns objects into a <c>meta.k8s.io/v1 Table</c> (what <c>kubectl get</c>
/// asks for) from the type's printer columns. Date columns become ages here, as on a real server,
/// because kubectl prints cells as it gets them.
/// </summary>
public sealed class TableConverter(TimeProvider time)
{
    public JsonObject Convert(ResourceType type, IEnumerable<JsonObject> objects, JsonObject? listMetadata, string includeObject)
    {
        var columns = new JsonArray();
        foreach (var c in type.Columns)
        {
            columns.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            });
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray();
            foreach (var c in type.Columns)
            {
                cells.Add(Cell(c, obj));
            }

            var row = new JsonObject { ["cells"] = cells };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = obj.DeepClone();
                    break;
                default:
                    row["object"] = PartialObjectMetadata(obj);
                    break;
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMetadata?.DeepClone() ?? new JsonObject(),
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    public static JsonObject PartialObjectMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = obj["metadata"]?.DeepClone(),
    };

    private JsonNode? Cell(PrinterColumn column, JsonObject obj)
    {
        if (column.JsonPath.StartsWith('='))
        {
            return Computed(column.JsonPath[1..], obj);
        }

        object? value;
        try
        {
            value = JsonPathQuery.First(obj, column.JsonPath);
        }
        catch (FormatException)
        {
            return null;
        }

        if (value is null)
        {
            return null;
        }

        if (column.Type == "date")
        {
            var text = value is JsonNode n ? JsonPathQuery.Text(n) : value.ToString();
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? HumanDuration.Format(time.GetUtcNow() - at)
                : text;
        }

        return value switch
        {
            JsonNode node when column.Type is "integer" or "number" or "boolean" && node is JsonValue => node.DeepClone(),
            JsonNode node => JsonPathQuery.Text(node),
            _ => value.ToString(),
        };
    }

    private static string IntOrString(JsonNode? value) => value is null ? "N/A" : JsonPathQuery.Text(value);

    private static JsonNode? Computed(string name, JsonObject obj)
    {
        switch (name)
        {
            case "dataCount":
                return ((obj["data"] as JsonObject)?.Count ?? 0) + ((obj["binaryData"] as JsonObject)?.Count ?? 0);
            case "servicePorts":
                var ports = (obj["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>()
                    .Select(p => $"{p["port"]}/{(string?)p["protocol"] ?? "TCP"}") ?? [];
                var joined = string.Join(",", ports);
                return joined.Length == 0 ? "<none>" : joined;
            case "involvedObject":
                var involved = obj["involvedObject"];
                return $"{((string?)involved?["kind"])?.ToLowerInvariant()}/{(string?)involved?["name"]}";
            case "podReady":
                var statuses = (obj["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
                var total = (obj["spec"]?["containers"] as JsonArray)?.Count ?? statuses.Count;
                return $"{statuses.Count(s => s["ready"]?.GetValue<bool>() == true)}/{total}";
            case "podRestarts":
                return (obj["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>()
                    .Sum(s => s["restartCount"]?.GetValue<int>() ?? 0) ?? 0;
            case "deploymentReady":
                return $"{obj["status"]?["readyReplicas"]?.GetValue<int>() ?? 0}/{obj["spec"]?["replicas"]?.GetValue<int>() ?? 0}";
            case "scaleTargetRef":
                var target = obj["spec"]?["scaleTargetRef"];
                return $"{(string?)target?["kind"]}/{(string?)target?["name"]}";
            case "apiServiceService":
                var service = obj["spec"]?["service"];
                return service is null ? "Local" : $"{(string?)service["namespace"]}/{(string?)service["name"]}";
            case "roleRef":
                var role = obj["roleRef"];
                return $"{(string?)role?["kind"]}/{(string?)role?["name"]}";
            case "endpointAddresses":
                // As the real printer: ip:port pairs, at most three, then "+ N more...".
                var pairs = (obj["subsets"] as JsonArray)?.OfType<JsonObject>().SelectMany(subset =>
                    ((subset["addresses"] as JsonArray)?.OfType<JsonObject>() ?? []).SelectMany(a =>
                        ((subset["ports"] as JsonArray)?.OfType<JsonObject>() ?? []).Select(p => $"{(string?)a["ip"]}:{p["port"]}")
                            .DefaultIfEmpty((string?)a["ip"] ?? "")))
                    .ToList() ?? [];
                return pairs.Count == 0 ? "<none>" : string.Join(",", pairs.Take(3)) + (pairs.Count > 3 ? $" + {pairs.Count - 3} more..." : "");
            case "pdbMinAvailable":
                return IntOrString(obj["spec"]?["minAvailable"]);
            case "pdbMaxUnavailable":
                return IntOrString(obj["spec"]?["maxUnavailable"]);
            case "pdbAllowedDisruptions":
                // As the real printer: the status field's value, zero until a disruption controller writes it.
                return obj["status"]?["disruptionsAllowed"]?.GetValue<int>() ?? 0;
            case "ingressClass":
                return (string?)obj["spec"]?["ingressClassName"] ?? "<none>";
            case "ingressHosts":
                var hosts = (obj["spec"]?["rules"] as JsonArray)?.OfType<JsonObject>()
                    .Select(r => (string?)r["host"] is { Length: > 0 } host ? host : "*").ToList() ?? [];
                return hosts.Count == 0 ? "*" : string.Join(",", hosts);
            case "ingressAddress":
                var points = (obj["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.OfType<JsonObject>()
                    .Select(i => (string?)i["ip"] ?? (string?)i["hostname"]).Where(a => !string.IsNullOrEmpty(a)) ?? [];
                return string.Join(",", points);
            case "ingressPorts":
                return (obj["spec"]?["tls"] as JsonArray)?.Count > 0 ? "80, 443" : "80";
            case "ingressClassParameters":
                var parameters = obj["spec"]?["parameters"];
                if (parameters is null)
                {
                    return "<none>";
                }

                var kind = (string?)parameters["apiGroup"] is { Length: > 0 } apiGroup ? $"{(string?)parameters["kind"]}.{apiGroup}" : (string?)parameters["kind"];
                return $"{kind}/{(string?)parameters["name"]}";
            default:
                return null;
        }
    }
}
