using System.Globalization;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Semantics;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// The deployment controller, in-process on the store: keeps <c>spec.replicas</c> Pods of the current
/// template (labelled with its <c>pod-template-hash</c>, owned directly by the Deployment — the dev
/// control plane has no ReplicaSet objects), rolls them per the strategy when the template changes,
/// and writes the status kubectl and the operator read: replicas, updated/ready/available counts,
/// observedGeneration, conditions Available and Progressing.
/// </summary>
public sealed class DeploymentController(ResourceOperations operations, WorkloadOptions options, ILogger<DeploymentController> logger) : IAsyncDisposable
{
    private readonly PendingKeys<(string Namespace, string Name)> _queue = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private ResourceType Deployments { get; } = operations.Registry.Find("apps", "v1", "deployments")!;
    private ResourceType Pods { get; } = operations.Registry.Find("", "v1", "pods")!;

    public void Start()
    {
        _loops.Add(StoreWatch.Run(operations.Store, Deployments.GroupResource,
            e => _queue.Add((e.Key.Namespace, e.Key.Name)), logger, _stop.Token));
        _loops.Add(StoreWatch.Run(operations.Store, Pods.GroupResource, e =>
        {
            foreach (var owner in ObjectMeta.OwnerReferences(e.Current).Where(o => (string?)o["kind"] == "Deployment"))
            {
                _queue.Add((e.Key.Namespace, (string?)owner["name"] ?? ""));
            }
        }, logger, _stop.Token));
        _loops.Add(StoreWatch.Work(_queue, ReconcileAsync, logger, _stop.Token));
    }

    private Task ReconcileAsync((string Namespace, string Name) key, CancellationToken cancellationToken)
    {
        var deployment = operations.Store.Get(ResourceOperations.Key(Deployments, key.Namespace, key.Name));
        if (deployment is null || ObjectMeta.IsDeleting(deployment))
        {
            // Its pods go with it through their ownerReferences (garbage collector).
            return Task.CompletedTask;
        }

        var spec = deployment["spec"] as JsonObject ?? [];
        var desired = spec["replicas"]?.GetValue<int>() ?? 1;
        var hash = PodTemplateHash.Compute(spec["template"], deployment["status"]?["collisionCount"]?.GetValue<long>() ?? 0);
        var minReady = TimeSpan.FromSeconds(spec["minReadySeconds"]?.GetValue<int>() ?? 0);
        var now = DateTimeOffset.UtcNow;
        var pods = OwnedPods(deployment);
        var current = pods.Where(p => Hash(p) == hash).Select(p => Info(p, minReady, now)).ToList();
        var old = pods.Where(p => Hash(p) != hash).Select(p => Info(p, minReady, now)).ToList();

        if (spec["paused"]?.GetValue<bool>() != true)
        {
            var step = RolloutPlanner.Plan(desired, RolloutStrategy.Resolve(spec["strategy"], desired), current, old);
            foreach (var name in step.Delete)
            {
                logger.LogInformation("Deployment {Namespace}/{Name}: deleting pod {Pod}", key.Namespace, key.Name, name);
                TryDelete(key.Namespace, name);
            }

            for (var i = 0; i < step.Create; i++)
            {
                var pod = operations.Create(Pods, key.Namespace, NewPod(deployment, hash), new WriteOptions());
                logger.LogInformation("Deployment {Namespace}/{Name}: created pod {Pod}", key.Namespace, key.Name, ObjectMeta.Name(pod));
            }

            if (step.Create > 0 || step.Delete.Count > 0)
            {
                // The pods' own events bring the next step; the status below already counts this one.
                var deleted = step.Delete.ToHashSet(StringComparer.Ordinal);
                current = [.. current.Where(p => !deleted.Contains(p.Name)), .. Enumerable.Range(0, step.Create).Select(i => new ReplicaInfo($"new-{i}", false, false, now))];
                old = old.Where(p => !deleted.Contains(p.Name)).ToList();
            }
        }

        // Readiness turns into availability only after minReadySeconds: look again then.
        if (minReady > TimeSpan.Zero && current.Concat(old).Any(p => p.Ready && !p.Available))
        {
            _queue.AddAfter(key, TimeSpan.FromSeconds(1), _stop.Token);
        }

        WriteStatus(key, deployment, desired, hash, current, old);
        return Task.CompletedTask;
    }

    private List<JsonObject> OwnedPods(JsonObject deployment)
    {
        var uid = ObjectMeta.Uid(deployment);
        return operations.Store.List(Pods.GroupResource, ObjectMeta.Namespace(deployment)).Items
            .Where(p => !ObjectMeta.IsDeleting(p) && (string?)p["status"]?["phase"] is not ("Succeeded" or "Failed"))
            .Where(p => ObjectMeta.OwnerReferences(p).Any(o => (string?)o["uid"] == uid && o["controller"]?.GetValue<bool>() == true))
            .ToList();
    }

    private static string Hash(JsonObject pod) => (string?)pod["metadata"]?["labels"]?[PodTemplateHash.Label] ?? "";

    private static ReplicaInfo Info(JsonObject pod, TimeSpan minReady, DateTimeOffset now)
    {
        var ready = (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(c => (string?)c["type"] == "Ready" && (string?)c["status"] == "True");
        var since = DateTimeOffset.TryParse((string?)ready?["lastTransitionTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : now;
        var created = DateTimeOffset.TryParse((string?)pod["metadata"]?["creationTimestamp"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var c) ? c : now;
        return new ReplicaInfo(ObjectMeta.Name(pod), ready is not null, ready is not null && now - since >= minReady, created);
    }

    private void TryDelete(string ns, string name)
    {
        try
        {
            operations.Delete(Pods, ns, name, new DeleteOptions());
        }
        catch (Http.ApiException e) when (e.Code == 404)
        {
            // Already gone.
        }
    }

    private JsonObject NewPod(JsonObject deployment, string hash)
    {
        var template = deployment["spec"]?["template"]?.DeepClone() as JsonObject ?? [];
        var meta = template["metadata"] as JsonObject ?? [];
        var labels = meta["labels"] as JsonObject ?? [];
        labels[PodTemplateHash.Label] = hash;
        var podMeta = new JsonObject
        {
            ["generateName"] = $"{ObjectMeta.Name(deployment)}-{hash}-",
            ["labels"] = labels.DeepClone(),
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["name"] = ObjectMeta.Name(deployment),
                ["uid"] = ObjectMeta.Uid(deployment),
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
        };
        if (meta["annotations"] is JsonObject annotations)
        {
            podMeta["annotations"] = annotations.DeepClone();
        }

        var spec = template["spec"] as JsonObject ?? [];
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["serviceAccountName"] ??= "default";
        spec["nodeName"] = options.NodeName;
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = podMeta, ["spec"] = spec.DeepClone() };
    }

    private void WriteStatus((string Namespace, string Name) key, JsonObject deployment, int desired, string hash, List<ReplicaInfo> current, List<ReplicaInfo> old)
    {
        var all = current.Concat(old).ToList();
        var available = all.Count(p => p.Available);
        var strategy = RolloutStrategy.Resolve(deployment["spec"]?["strategy"], desired);
        var complete = current.Count == desired && old.Count == 0 && current.All(p => p.Available);
        var rsName = $"{key.Name}-{hash}";
        var previous = deployment["status"]?["conditions"] as JsonArray;
        var now = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        JsonObject Condition(string type, bool status, string reason, string message)
        {
            var old = previous?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);
            var text = status ? "True" : "False";
            var sameStatus = old is not null && (string?)old["status"] == text;
            var sameReason = sameStatus && (string?)old!["reason"] == reason && (string?)old["message"] == message;
            return new JsonObject
            {
                ["type"] = type,
                ["status"] = text,
                ["lastUpdateTime"] = sameReason ? (string?)old!["lastUpdateTime"] ?? now : now,
                ["lastTransitionTime"] = sameStatus ? (string?)old!["lastTransitionTime"] ?? now : now,
                ["reason"] = reason,
                ["message"] = message,
            };
        }

        var availableCondition = available >= desired - strategy.MaxUnavailable
            ? Condition("Available", true, "MinimumReplicasAvailable", "Deployment has minimum availability.")
            : Condition("Available", false, "MinimumReplicasUnavailable", "Deployment does not have minimum availability.");
        var progressing = complete
            ? Condition("Progressing", true, "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.")
            : Condition("Progressing", true, "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.");

        var status = new JsonObject
        {
            ["observedGeneration"] = deployment["metadata"]?["generation"]?.GetValue<long>() ?? 1,
            ["replicas"] = all.Count,
            ["updatedReplicas"] = current.Count,
            ["readyReplicas"] = all.Count(p => p.Ready),
            ["availableReplicas"] = available,
            ["unavailableReplicas"] = Math.Max(desired - available, 0),
            ["conditions"] = new JsonArray(availableCondition, progressing),
        };
        if (deployment["status"]?["collisionCount"] is { } collisions)
        {
            status["collisionCount"] = collisions.DeepClone();
        }

        // Zero counts are omitted, as the real API's omitempty does.
        foreach (var field in new[] { "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas" })
        {
            if (status[field]!.GetValue<int>() == 0)
            {
                status.Remove(field);
            }
        }

        operations.Mutate(Deployments, key.Namespace, key.Name, d =>
        {
            if (ObjectMeta.Uid(d) == ObjectMeta.Uid(deployment))
            {
                d["status"] = status;
            }
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
