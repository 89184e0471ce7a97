using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Aggregation;

/// <summary>Where an APIService's requests go: a ready endpoint of its Service, or why there is none.</summary>
public sealed record ApiServiceTarget(Uri? BaseAddress, string ServerName, string? Problem, string ProblemReason);

/// <summary>
/// Resolves an APIService (<c>spec.service {namespace, name, port}</c>, port 443 by default) the way
/// the aggregator does: the Service port, its targetPort, and a ready address from the Service's
/// Endpoints — here always 127.0.0.1 with the replica's own port.
/// </summary>
public static class ApiServiceBackend
{
    public static ApiServiceTarget Resolve(ObjectStore store, JsonObject apiService)
    {
        var reference = apiService["spec"]?["service"] as JsonObject;
        var ns = (string?)reference?["namespace"] ?? "";
        var name = (string?)reference?["name"] ?? "";
        var port = reference?["port"]?.GetValue<int>() ?? 443;
        var serverName = $"{name}.{ns}.svc";
        var service = store.Get(new ObjectKey(new("", "services"), ns, name));
        if (service is null)
        {
            return new ApiServiceTarget(null, serverName, $"service/{name} in \"{ns}\" is not present", "ServiceNotFound");
        }

        var servicePort = (service["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(p => p["port"]?.GetValue<int>() == port);
        if (servicePort is null)
        {
            return new ApiServiceTarget(null, serverName, $"service/{name} in \"{ns}\" is not listening on port {port}", "ServicePortError");
        }

        var endpoints = store.Get(new ObjectKey(new("", "endpoints"), ns, name));
        var portName = (string?)servicePort["name"];
        foreach (var subset in (endpoints?["subsets"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var address = (subset["addresses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault();
            var endpointPort = (subset["ports"] as JsonArray)?.OfType<JsonObject>()
                .FirstOrDefault(p => (string?)p["name"] == portName || portName is null && p["name"] is null)
                ?? (subset["ports"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault();
            if (address is not null && endpointPort is not null)
            {
                return new ApiServiceTarget(new Uri($"https://{(string?)address["ip"]}:{endpointPort["port"]!.GetValue<int>()}"), serverName, null, "");
            }
        }

        return new ApiServiceTarget(null, serverName, $"endpoints for service/{name} in \"{ns}\" have no addresses with port name \"{portName}\"", "MissingEndpoints");
    }

    /// <summary>Group and version an APIService serves; null for local ones (no <c>spec.service</c>).</summary>
    public static (string Group, string Version)? Served(JsonObject apiService) =>
        apiService["spec"]?["service"] is JsonObject
            ? ((string?)apiService["spec"]?["group"] ?? "", (string?)apiService["spec"]?["version"] ?? "")
            : null;

    public static bool IsAvailable(JsonObject apiService) =>
        (apiService["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .Any(c => (string?)c["type"] == "Available" && (string?)c["status"] == "True") == true;

    public static string Name(JsonObject apiService) => ObjectMeta.Name(apiService);
}
