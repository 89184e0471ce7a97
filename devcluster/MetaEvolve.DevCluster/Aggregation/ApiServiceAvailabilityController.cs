using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Workloads;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Aggregation;

/// <summary>
/// The aggregator's availability controller: an APIService's <c>Available</c> condition says whether
/// its Service has a ready endpoint (local APIServices are always available), so
/// <c>kubectl get apiservices</c> reads as on a real cluster.
/// </summary>
public sealed class ApiServiceAvailabilityController(ResourceOperations operations, ILogger<ApiServiceAvailabilityController> logger) : IAsyncDisposable
{
    private readonly PendingKeys<string> _queue = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private ResourceType ApiServices { get; } = operations.Registry.Find("apiregistration.k8s.io", "v1", "apiservices")!;

    public void Start()
    {
        _loops.Add(StoreWatch.Run(operations.Store, ApiServices.GroupResource, e => _queue.Add(e.Key.Name), logger, _stop.Token));
        void All(Storage.WatchEvent _)
        {
            foreach (var a in operations.Store.List(ApiServices.GroupResource, null).Items)
            {
                _queue.Add(ObjectMeta.Name(a));
            }
        }

        _loops.Add(StoreWatch.Run(operations.Store, new GroupResource("", "endpoints"), All, logger, _stop.Token));
        _loops.Add(StoreWatch.Run(operations.Store, new GroupResource("", "services"), All, logger, _stop.Token));
        _loops.Add(StoreWatch.Work(_queue, ReconcileAsync, logger, _stop.Token));
    }

    private Task ReconcileAsync(string name, CancellationToken cancellationToken)
    {
        var apiService = operations.Store.Get(ResourceOperations.Key(ApiServices, "", name));
        if (apiService is null)
        {
            return Task.CompletedTask;
        }

        var (status, reason, message) = ApiServiceBackend.Served(apiService) is null
            ? ("True", "Local", "Local APIServices are always available")
            : ApiServiceBackend.Resolve(operations.Store, apiService) is { Problem: { } problem } target
                ? ("False", target.ProblemReason, problem)
                : ("True", "Passed", "all checks passed");
        var old = (apiService["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Available");
        if (old is not null && (string?)old["status"] == status && (string?)old["reason"] == reason && (string?)old["message"] == message)
        {
            return Task.CompletedTask;
        }

        var at = old is not null && (string?)old["status"] == status ? (string?)old["lastTransitionTime"] : ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        operations.Mutate(ApiServices, "", name, a => a["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Available",
                ["status"] = status,
                ["lastTransitionTime"] = at,
                ["reason"] = reason,
                ["message"] = message,
            }),
        });
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
