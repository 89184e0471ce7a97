using System.Text.Json.Nodes;
using MetaEvolve.Crds.Labels;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Semantics;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// The endpoints controller: for every Service with a selector, an Endpoints object of the same name
/// listing the matching Pods — ready ones under <c>addresses</c>, the rest under
/// <c>notReadyAddresses</c> — with each Service port's targetPort mapped to that replica's real port
/// (replicas differ in port, so each gets its own subset). Services without a selector keep
/// hand-written Endpoints; a deleted Service takes its Endpoints along.
/// </summary>
public sealed class EndpointsController(ResourceOperations operations, ILogger<EndpointsController> logger) : IAsyncDisposable
{
    private readonly PendingKeys<(string Namespace, string Name)> _queue = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private ResourceType Services { get; } = operations.Registry.Find("", "v1", "services")!;
    private ResourceType Endpoints { get; } = operations.Registry.Find("", "v1", "endpoints")!;
    private ResourceType Pods { get; } = operations.Registry.Find("", "v1", "pods")!;

    public void Start()
    {
        _loops.Add(StoreWatch.Run(operations.Store, Services.GroupResource, e => _queue.Add((e.Key.Namespace, e.Key.Name)), logger, _stop.Token));
        _loops.Add(StoreWatch.Run(operations.Store, Pods.GroupResource, e =>
        {
            foreach (var service in operations.Store.List(Services.GroupResource, e.Key.Namespace).Items)
            {
                _queue.Add((e.Key.Namespace, ObjectMeta.Name(service)));
            }
        }, logger, _stop.Token));
        _loops.Add(StoreWatch.Work(_queue, ReconcileAsync, logger, _stop.Token));
    }

    private Task ReconcileAsync((string Namespace, string Name) key, CancellationToken cancellationToken)
    {
        var service = operations.Store.Get(ResourceOperations.Key(Services, key.Namespace, key.Name));
        var existing = operations.Store.Get(ResourceOperations.Key(Endpoints, key.Namespace, key.Name));
        if (service is null || ObjectMeta.IsDeleting(service))
        {
            if (existing is not null && service is null)
            {
                TryDelete(key);
            }

            return Task.CompletedTask;
        }

        if (service["spec"]?["selector"] is not JsonObject selector || selector.Count == 0)
        {
            return Task.CompletedTask;
        }

        var match = LabelSelector.Parse(string.Join(',', selector.Select(p => $"{p.Key}={(string?)p.Value}")));
        var pods = operations.Store.List(Pods.GroupResource, key.Namespace).Items
            .Where(p => match.Matches(p) && !ObjectMeta.IsDeleting(p) && (string?)p["status"]?["podIP"] is { Length: > 0 }
                && (string?)p["status"]?["phase"] is not ("Succeeded" or "Failed"))
            .ToList();
        var subsets = new JsonArray();
        foreach (var pod in pods)
        {
            var ports = ReplicaPorts.FromPod(pod);
            var endpointPorts = new JsonArray();
            foreach (var sp in (service["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
            {
                var target = sp["targetPort"] ?? sp["port"];
                if (ports.Resolve(target, pod) is not { } port)
                {
                    continue;
                }

                var ep = new JsonObject { ["port"] = port, ["protocol"] = (string?)sp["protocol"] ?? "TCP" };
                if ((string?)sp["name"] is { Length: > 0 } name)
                {
                    ep["name"] = name;
                }

                endpointPorts.Add(ep);
            }

            if (endpointPorts.Count == 0)
            {
                continue;
            }

            var ready = (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
                .Any(c => (string?)c["type"] == "Ready" && (string?)c["status"] == "True") == true;
            var address = new JsonObject
            {
                ["ip"] = (string?)pod["status"]!["podIP"],
                ["nodeName"] = (string?)pod["spec"]?["nodeName"],
                ["targetRef"] = new JsonObject
                {
                    ["kind"] = "Pod",
                    ["namespace"] = key.Namespace,
                    ["name"] = ObjectMeta.Name(pod),
                    ["uid"] = ObjectMeta.Uid(pod),
                },
            };
            subsets.Add(new JsonObject { [ready ? "addresses" : "notReadyAddresses"] = new JsonArray(address), ["ports"] = endpointPorts });
        }

        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject
            {
                ["name"] = key.Name,
                ["namespace"] = key.Namespace,
                ["labels"] = service["metadata"]?["labels"]?.DeepClone() ?? new JsonObject(),
            },
        };
        if (subsets.Count > 0)
        {
            body["subsets"] = subsets;
        }

        if (existing is null)
        {
            operations.Create(Endpoints, key.Namespace, body, new WriteOptions());
        }
        else if (!JsonNode.DeepEquals(existing["subsets"], body["subsets"]) || !JsonNode.DeepEquals(existing["metadata"]?["labels"], body["metadata"]!["labels"]))
        {
            operations.Mutate(Endpoints, key.Namespace, key.Name, e =>
            {
                ObjectMeta.Metadata(e)["labels"] = body["metadata"]!["labels"]!.DeepClone();
                if (body["subsets"] is { } s)
                {
                    e["subsets"] = s.DeepClone();
                }
                else
                {
                    e.Remove("subsets");
                }
            });
        }

        return Task.CompletedTask;
    }

    private void TryDelete((string Namespace, string Name) key)
    {
        try
        {
            operations.Delete(Endpoints, key.Namespace, key.Name, new DeleteOptions());
        }
        catch (Http.ApiException e) when (e.Code == 404)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
