using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Manifests;

namespace MetaEvolve.DevCluster.Local;

/// <summary>
/// Registers the operator's external metrics API in the dev control plane, so pools in mode Hpa scale there as in
/// a cluster. The operator runs as a local process, not a Pod, so instead of config/external-metrics/ (a Service
/// selecting operator pods) this is a Service without selector — the endpoints controller leaves its Endpoints
/// alone — hand-written Endpoints at the loopback port, and the same APIService.
/// </summary>
public static class DevMetricsApi
{
    private const string Name = "metaevolve-operator";

    /// <param name="ns">Where the Service and Endpoints go (the operator tests use their own namespace).</param>
    public static IEnumerable<ApplyOutcome> Register(ManifestApplier applier, int port, string ns = "default") =>
        Manifests(port, ns).Select(m => applier.Apply(m, ns)).ToList();

    public static IReadOnlyList<JsonObject> Manifests(int port, string ns = "default") =>
    [
        new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = ns },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["targetPort"] = port }) },
        },
        new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = ns },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port, ["protocol"] = "TCP" }),
            }),
        },
        new()
        {
            ["apiVersion"] = "apiregistration.k8s.io/v1",
            ["kind"] = "APIService",
            ["metadata"] = new JsonObject { ["name"] = "v1beta1.external.metrics.k8s.io" },
            ["spec"] = new JsonObject
            {
                ["group"] = "external.metrics.k8s.io",
                ["version"] = "v1beta1",
                ["groupPriorityMinimum"] = 100,
                ["versionPriority"] = 100,
                // The operator generates a self-signed certificate at every start.
                ["insecureSkipTLSVerify"] = true,
                ["service"] = new JsonObject { ["namespace"] = ns, ["name"] = Name, ["port"] = 443 },
            },
        },
    ];
}
