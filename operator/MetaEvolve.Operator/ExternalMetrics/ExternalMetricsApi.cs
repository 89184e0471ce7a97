using System.Text.Json.Nodes;
using MetaEvolve.Crds.Labels;
using MetaEvolve.Operator.Scaling;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// The routes of <c>external.metrics.k8s.io/v1beta1</c> as the aggregator forwards them: discovery, and
/// <c>GET namespaces/{ns}/{metric}?labelSelector=…</c> answered from the pools' JetStream consumers.
/// </summary>
public static class ExternalMetricsApi
{
    private const string Prefix = "/apis/" + ExternalMetricsDocuments.GroupVersion;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/apis", () => Json(200, ExternalMetricsDocuments.ApiGroupList()));
        routes.MapGet("/apis/" + ExternalMetricsDocuments.Group, () => Json(200, ExternalMetricsDocuments.ApiGroup()));
        routes.MapGet(Prefix, () => Json(200, ExternalMetricsDocuments.ResourceList()));
        routes.MapGet(Prefix + "/namespaces/{ns}/{metric}", GetAsync);
        routes.MapFallback(() => Json(404, ExternalMetricsDocuments.Status(404, "NotFound", "the server could not find the requested resource")));
    }

    private static async Task<IResult> GetAsync(string ns, string metric, HttpRequest request, QueueLagReader reader, CancellationToken cancellationToken)
    {
        if (metric != QueueLagMetric.Name)
        {
            // prometheus-adapter's wording; this adapter serves one metric.
            return Json(404, ExternalMetricsDocuments.Status(404, "NotFound",
                $"the server could not find the metric {metric} for namespace {ns}: this adapter serves {QueueLagMetric.Name} only"));
        }

        LabelSelector selector;
        try
        {
            selector = LabelSelector.Parse(request.Query["labelSelector"]);
        }
        catch (LabelSelectorException exception)
        {
            return Json(400, ExternalMetricsDocuments.Status(400, "BadRequest", exception.Message));
        }

        try
        {
            IReadOnlyDictionary<(string, string), QueueLag> lags = QueueLagSeries.PinnedPool(selector) is { } pool
                ? new Dictionary<(string, string), QueueLag> { [(ns, pool)] = await reader.ReadAsync(ns, pool, cancellationToken) }
                : await reader.ReadAllAsync(cancellationToken);
            return Json(200, ExternalMetricsDocuments.ValueList(QueueLagSeries.Select(ns, selector, lags)));
        }
        catch (QueueLagUnavailableException exception)
        {
            // Never a number: a zero would let the HPA scale a pool down while its tasks pile up unseen. The HPA
            // controller reports this message in its ScalingActive condition and keeps the current scale.
            return Json(503, ExternalMetricsDocuments.Status(503, "ServiceUnavailable",
                $"unable to fetch metric {metric} from namespace {ns}: {exception.Message}"));
        }
    }

    private static IResult Json(int code, JsonObject body) => Results.Text(body.ToJsonString(), "application/json", statusCode: code);
}
