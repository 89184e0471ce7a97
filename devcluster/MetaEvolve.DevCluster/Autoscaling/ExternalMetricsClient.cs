using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Autoscaling;

/// <summary>
/// Reads External metrics the way the HPA controller does: through the API server's aggregated
/// <c>external.metrics.k8s.io/v1beta1</c> (so the APIService, its Service and the proxy are all on the
/// path), returning every item's value in milli-units.
/// </summary>
public sealed class ExternalMetricsClient(HttpClient http)
{
    public async Task<IReadOnlyList<long>> GetAsync(string ns, string metric, string labelSelector, CancellationToken cancellationToken)
    {
        var uri = $"apis/external.metrics.k8s.io/v1beta1/namespaces/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(metric)}"
            + (labelSelector.Length > 0 ? "?labelSelector=" + Uri.EscapeDataString(labelSelector) : "");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var message = (JsonNode.Parse(text) as JsonObject)?["message"]?.ToString() ?? text;
            throw new HttpRequestException($"unable to get external metric {ns}/{metric}/{labelSelector}: {(int)response.StatusCode}: {message}");
        }

        var items = (JsonNode.Parse(text)?["items"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (items.Count == 0)
        {
            throw new HttpRequestException($"unable to get external metric {ns}/{metric}/{labelSelector}: no metrics returned from external metrics API");
        }

        return items.Select(i => MetricQuantity.Milli((string?)i["value"] ?? "0")).ToList();
    }
}
