using System.Globalization;
using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// The real loopback port behind each port a pod's containers declare (containers of a pod share
/// one network, so container ports are unique within it). The runner publishes the map on the Pod
/// as the annotation <see cref="Annotation"/> ("8080:41234,9090:41235"), which the Endpoints
/// controller and the aggregator read.
/// </summary>
public sealed class ReplicaPorts(IReadOnlyDictionary<int, int> hostPorts)
{
    public const string Annotation = "dev.metaevolve.io/host-ports";

    public IReadOnlyDictionary<int, int> HostPorts { get; } = hostPorts;

    public static ReplicaPorts FromPod(JsonObject pod)
    {
        var text = (string?)pod["metadata"]?["annotations"]?[Annotation] ?? "";
        var map = new Dictionary<int, int>();
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(':');
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var c) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var h))
            {
                map[c] = h;
            }
        }

        return new ReplicaPorts(map);
    }

    public string Format() => string.Join(',', HostPorts.OrderBy(p => p.Key).Select(p => $"{p.Key}:{p.Value}"));

    /// <summary>
    /// Resolves a port reference (a number or a container port name, as in a probe or a Service's
    /// targetPort) to the replica's real port; an undeclared number is used as it is.
    /// </summary>
    public int? Resolve(JsonNode? port, JsonObject pod)
    {
        if (port is null)
        {
            return null;
        }

        if (port.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            var number = port.GetValue<int>();
            return HostPorts.TryGetValue(number, out var host) ? host : number;
        }

        var name = (string?)port;
        if (int.TryParse(name, CultureInfo.InvariantCulture, out var parsed))
        {
            return HostPorts.TryGetValue(parsed, out var host) ? host : parsed;
        }

        foreach (var container in (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            foreach (var p in (container["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                if ((string?)p["name"] == name && p["containerPort"] is { } cp)
                {
                    var number = cp.GetValue<int>();
                    return HostPorts.TryGetValue(number, out var host) ? host : number;
                }
            }
        }

        return null;
    }
}
