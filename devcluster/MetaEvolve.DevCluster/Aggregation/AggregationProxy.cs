using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Authentication;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Aggregation;

/// <summary>
/// The aggregation layer (kube-aggregator): every request under <c>/apis/&lt;group&gt;/&lt;version&gt;</c>
/// of an APIService backed by a Service is proxied to a ready endpoint over HTTPS, with the caller's
/// identity in <c>X-Remote-User</c>/<c>X-Remote-Group</c>; <c>/apis</c> and <c>/apis/&lt;group&gt;</c>
/// list the aggregated groups beside the built-in ones.
/// </summary>
public sealed class AggregationProxy(ResourceRegistry registry, ObjectStore store, AggregatorClients clients, ILogger logger)
{
    private static readonly GroupResource ApiServices = new("apiregistration.k8s.io", "apiservices");
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "TE", "Trailer", "Host", "Authorization", "Content-Length",
    };

    private List<JsonObject> Aggregated() => store.List(ApiServices, null).Items.Where(a => ApiServiceBackend.Served(a) is not null).ToList();

    /// <summary>Handles the request when it belongs to the aggregator; false lets the local server answer.</summary>
    public async Task<bool> TryHandleAsync(HttpContext context, Caller caller)
    {
        var path = (context.Request.Path.Value ?? "/").TrimEnd('/');
        if (!path.StartsWith("/apis", StringComparison.Ordinal))
        {
            return false;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var aggregated = Aggregated();
        if (aggregated.Count == 0)
        {
            // Nothing aggregated: the local discovery answers unchanged.
            return false;
        }

        if (segments.Length == 1 && context.Request.Method == "GET")
        {
            await Write(context, 200, GroupList(aggregated));
            return true;
        }

        if (segments.Length == 2 && context.Request.Method == "GET" && !registry.All.Any(t => t.Group == segments[1]))
        {
            var group = GroupDocument(segments[1], aggregated);
            if (group is null)
            {
                return false;
            }

            await Write(context, 200, group);
            return true;
        }

        if (segments.Length < 3)
        {
            return false;
        }

        var apiService = aggregated.FirstOrDefault(a => ApiServiceBackend.Served(a) == (segments[1], segments[2]));
        if (apiService is null)
        {
            return false;
        }

        await ProxyAsync(context, apiService, caller);
        return true;
    }

    private JsonObject GroupList(List<JsonObject> aggregated)
    {
        var list = Discovery.Groups(registry.All);
        var groups = list["groups"]!.AsArray();
        var local = groups.OfType<JsonObject>().Select(g => (string?)g["name"]).ToHashSet(StringComparer.Ordinal);
        foreach (var name in aggregated.Select(a => ApiServiceBackend.Served(a)!.Value.Group).Distinct(StringComparer.Ordinal))
        {
            if (!local.Contains(name))
            {
                groups.Add(GroupDocument(name, aggregated));
            }
        }

        return list;
    }

    private static JsonObject? GroupDocument(string group, List<JsonObject> aggregated)
    {
        var versions = aggregated.Where(a => ApiServiceBackend.Served(a)!.Value.Group == group)
            .OrderByDescending(a => a["spec"]?["versionPriority"]?.GetValue<int>() ?? 0)
            .ThenByDescending(a => Discovery.VersionPriority(ApiServiceBackend.Served(a)!.Value.Version))
            .Select(a => ApiServiceBackend.Served(a)!.Value.Version).Distinct().ToList();
        if (versions.Count == 0)
        {
            return null;
        }

        JsonObject Version(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)Version(v)).ToArray()),
            ["preferredVersion"] = Version(versions[0]),
        };
    }

    private async Task ProxyAsync(HttpContext context, JsonObject apiService, Caller caller)
    {
        var target = ApiServiceBackend.Resolve(store, apiService);
        if (target.BaseAddress is null)
        {
            await Write(context, 503, new ApiException(503, "ServiceUnavailable", $"no endpoints available for service \"{target.ServerName}\": {target.Problem}").ToStatus());
            return;
        }

        var request = context.Request;
        var uri = new Uri(target.BaseAddress, request.Path.Value + request.QueryString.Value);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            message.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name) || name.StartsWith("X-Remote-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        message.Headers.TryAddWithoutValidation("X-Remote-User", caller.Name);
        foreach (var group in caller.Groups)
        {
            message.Headers.TryAddWithoutValidation("X-Remote-Group", group);
        }
        message.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());
        message.Headers.Host = target.ServerName;

        HttpResponseMessage response;
        try
        {
            response = await clients.For(apiService, target.ServerName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning(e, "Proxying {Path} to APIService {ApiService} at {Target} failed", request.Path.Value, ObjectMeta.Name(apiService), target.BaseAddress);
            await Write(context, 503, new ApiException(503, "ServiceUnavailable", $"error trying to reach service: {e.Message}").ToStatus());
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static async Task Write(HttpContext context, int code, JsonObject body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
