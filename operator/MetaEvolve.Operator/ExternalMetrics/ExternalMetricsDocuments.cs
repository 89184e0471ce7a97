using System.Globalization;
using System.Text.Json.Nodes;
using MetaEvolve.Operator.Scaling;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// The JSON the external metrics API answers with, shaped as the API server and the usual adapters (KEDA,
/// prometheus-adapter) shape it: discovery documents, <c>ExternalMetricValueList</c> and <c>Status</c>.
/// </summary>
public static class ExternalMetricsDocuments
{
    public const string Group = "external.metrics.k8s.io";
    public const string Version = "v1beta1";
    public const string GroupVersion = Group + "/" + Version;

    /// <summary>What discovery and the aggregator's availability check read: the metric, namespaced, verb get.</summary>
    public static JsonObject ResourceList() => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = GroupVersion,
        ["resources"] = new JsonArray(new JsonObject
        {
            ["name"] = QueueLagMetric.Name,
            ["singularName"] = "",
            ["namespaced"] = true,
            ["kind"] = "ExternalMetricValueList",
            ["verbs"] = new JsonArray("get"),
        }),
    };

    public static JsonObject ApiGroup() => new()
    {
        ["kind"] = "APIGroup",
        ["apiVersion"] = "v1",
        ["name"] = Group,
        ["versions"] = new JsonArray(GroupVersionEntry()),
        ["preferredVersion"] = GroupVersionEntry(),
    };

    public static JsonObject ApiGroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(ApiGroup()),
    };

    /// <summary>One item per pool, its lag as a Kubernetes quantity (a whole number of tasks: plain digits).</summary>
    public static JsonObject ValueList(IEnumerable<QueueLagSeries> series) => new()
    {
        ["kind"] = "ExternalMetricValueList",
        ["apiVersion"] = GroupVersion,
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray(series.Select(s => (JsonNode)new JsonObject
        {
            ["metricName"] = QueueLagMetric.Name,
            ["metricLabels"] = new JsonObject { [QueueLagMetric.PoolLabel] = s.Pool },
            ["timestamp"] = s.Lag.SampledAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["value"] = s.Lag.Lag.ToString(CultureInfo.InvariantCulture),
        }).ToArray()),
    };

    /// <summary>A failure as the API server writes it; clients (the HPA controller, kubectl) print its message.</summary>
    public static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static JsonObject GroupVersionEntry() => new() { ["groupVersion"] = GroupVersion, ["version"] = Version };
}
