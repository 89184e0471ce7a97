using MetaEvolve.DevCluster.Aggregation;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Authentication;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Storage;
using MetaEvolve.DevCluster.Workloads;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster;

/// <summary>
/// What the API server answers beyond stored objects (issue 7): the aggregation layer for
/// APIServices backed by Services, and <c>pods/log</c> from the local workload runner. Runs before
/// the resource handler; whatever it does not claim goes on to it. Its requests are recorded too.
/// </summary>
public sealed class DevApiExtensions(ResourceRegistry registry, ObjectStore store, PodLogRegistry podLogs, RequestLog requests,
    ClusterCredentials credentials, ILoggerFactory loggerFactory) : IDisposable
{
    private readonly AggregatorClients _clients = new(() => credentials.FrontProxy.Client);
    private readonly PodLogEndpoint _logs = new(store, podLogs);
    private AggregationProxy Proxy => new(registry, store, _clients, loggerFactory.CreateLogger<AggregationProxy>());

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var caller = CallerIdentity.Of(context);
        var user = caller.Name;
        try
        {
            if (PodLogEndpoint.Match(context.Request) is { } pod)
            {
                try
                {
                    await _logs.HandleAsync(context, pod.Namespace, pod.Pod);
                }
                catch (ApiException e) when (!context.Response.HasStarted)
                {
                    context.Response.StatusCode = e.Code;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(e.ToStatus().ToJsonString(), context.RequestAborted);
                }

                Record(context, user, "get", "", "v1", "pods", "log", pod.Namespace, pod.Pod);
                return;
            }

            if (await Proxy.TryHandleAsync(context, caller))
            {
                var s = (context.Request.Path.Value ?? "").Trim('/').Split('/');
                Record(context, user, context.Request.Method.ToLowerInvariant(), s.Length > 1 ? s[1] : "", s.Length > 2 ? s[2] : "", "", null, null, null);
                return;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        await next(context);
    }

    private void Record(HttpContext context, string user, string verb, string group, string version, string resource, string? sub, string? ns, string? name) =>
        requests.Add(new RequestRecord(DateTimeOffset.UtcNow, user, verb, group, version, resource, sub, ns, name,
            context.Request.Path.Value ?? "", context.Response.StatusCode));

    public void Dispose() => _clients.Dispose();
}
