using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MetaEvolve.Crds.Labels;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Workloads;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Autoscaling;

/// <summary>
/// The HPA controller for <c>autoscaling/v2</c> with External metrics (Resource, Pods, Object and
/// ContainerResource metrics need a metrics pipeline the dev control plane does not have; such
/// metrics are reported as invalid). Every sync period, and when an HPA is created or its spec
/// changes, it reads the target's <c>/scale</c>, the metrics through the aggregated API, applies
/// <see cref="ReplicaCalculator"/> and <see cref="ReplicaNormalizer"/> as upstream's
/// reconcileAutoscaler does, writes <c>/scale</c> and the HPA status, and leaves a target at 0
/// replicas alone (ScalingActive False, ScalingDisabled).
/// </summary>
public sealed class HorizontalPodAutoscalerController(
    ResourceOperations operations,
    ExternalMetricsClient metrics,
    WorkloadOptions options,
    TimeProvider time,
    ILogger<HorizontalPodAutoscalerController> logger) : IAsyncDisposable
{
    private readonly PendingKeys<(string Namespace, string Name)> _queue = new();
    private readonly ConcurrentDictionary<(string, string), AutoscalerHistory> _histories = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly ScaleOperations _scales = new(operations);
    private ResourceType Hpas { get; } = operations.Registry.Find("autoscaling", "v2", "horizontalpodautoscalers")!;

    public void Start()
    {
        _loops.Add(StoreWatch.Run(operations.Store, Hpas.GroupResource, e =>
        {
            var key = (e.Key.Namespace, e.Key.Name);
            if (e.Type == Storage.WatchEventType.Deleted)
            {
                _histories.TryRemove(key, out _);
            }
            else if (e.Type == Storage.WatchEventType.Added || !JsonNode.DeepEquals(e.Current["spec"], e.Previous?["spec"]))
            {
                _queue.Add(key);
            }
        }, logger, _stop.Token));
        _loops.Add(Task.Run(ResyncAsync));
        _loops.Add(StoreWatch.Work(_queue, ReconcileAsync, logger, _stop.Token));
    }

    private async Task ResyncAsync()
    {
        using var timer = new PeriodicTimer(options.HpaSyncPeriod, time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                foreach (var hpa in operations.Store.List(Hpas.GroupResource, null).Items)
                {
                    _queue.Add((ObjectMeta.Namespace(hpa), ObjectMeta.Name(hpa)));
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task ReconcileAsync((string Namespace, string Name) key, CancellationToken cancellationToken)
    {
        var hpa = operations.Store.Get(ResourceOperations.Key(Hpas, key.Namespace, key.Name));
        if (hpa is null || ObjectMeta.IsDeleting(hpa))
        {
            return;
        }

        var spec = hpa["spec"] as JsonObject ?? [];
        var status = (hpa["status"] as JsonObject)?.DeepClone().AsObject() ?? [];
        var conditions = new HpaConditions(status["conditions"] as JsonArray, time.GetUtcNow());
        var target = spec["scaleTargetRef"];
        var reference = $"{(string?)target?["kind"]}/{(string?)target?["name"]}";
        var targetType = operations.Registry.ForKind((string?)target?["apiVersion"] ?? "", (string?)target?["kind"] ?? "");
        JsonObject scale;
        try
        {
            if (targetType?.Scale is null)
            {
                throw ApiException.NotFound($"no scale subresource for {(string?)target?["apiVersion"]}, Kind={(string?)target?["kind"]}");
            }

            scale = _scales.Get(targetType, key.Namespace, (string?)target?["name"] ?? "");
        }
        catch (ApiException e)
        {
            conditions.Set("AbleToScale", "False", "FailedGetScale", $"the HPA controller was unable to get the target's current scale: {e.Message}");
            Event(hpa, "Warning", "FailedGetScale", e.Message);
            WriteStatus(key, hpa, status, conditions);
            return;
        }

        conditions.Set("AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale");
        var now = time.GetUtcNow();
        var history = _histories.GetOrAdd(key, _ => new AutoscalerHistory());
        var currentReplicas = (int)(scale["spec"]?["replicas"]?.GetValue<long>() ?? 0);
        var statusReplicas = (int)(scale["status"]?["replicas"]?.GetValue<long>() ?? 0);
        var selector = (string?)scale["status"]?["selector"] ?? "";
        ReplicaNormalizer.RecordInitial(history, currentReplicas, now);
        var minReplicas = spec["minReplicas"]?.GetValue<int>() ?? 1;
        var maxReplicas = spec["maxReplicas"]?.GetValue<int>() ?? 1;
        var behavior = HpaBehavior.Parse(spec["behavior"]);

        int desired = 0;
        var rescale = true;
        string reason = "";
        JsonArray? metricStatuses = null;
        if (currentReplicas == 0 && minReplicas != 0)
        {
            rescale = false;
            conditions.Set("ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
        }
        else if (currentReplicas > maxReplicas)
        {
            reason = "Current number of replicas above Spec.MaxReplicas";
            desired = maxReplicas;
        }
        else if (currentReplicas < minReplicas)
        {
            reason = "Current number of replicas below Spec.MinReplicas";
            desired = minReplicas;
        }
        else
        {
            var (proposal, metricName, statuses, error) = await ComputeReplicasForMetricsAsync(key.Namespace, spec, currentReplicas, statusReplicas, selector, conditions, cancellationToken);
            metricStatuses = statuses;
            if (proposal == -1)
            {
                status["currentReplicas"] = currentReplicas;
                status["currentMetrics"] = statuses;
                Event(hpa, "Warning", "FailedComputeMetricsReplicas", error ?? "invalid metrics");
                WriteStatus(key, hpa, status, conditions);
                return;
            }

            desired = proposal;
            reason = desired > currentReplicas ? $"{metricName} above target" : desired < currentReplicas ? "All metrics below target" : "";
            var normalization = behavior is null
                ? ReplicaNormalizer.Normalize(history, now, options.HpaDownscaleStabilization, currentReplicas, desired, minReplicas, maxReplicas)
                : ReplicaNormalizer.NormalizeWithBehavior(history, now, options.HpaDownscaleStabilization, behavior, currentReplicas, desired, minReplicas, maxReplicas);
            conditions.Set(normalization.AbleToScale);
            conditions.Set(normalization.ScalingLimited);
            desired = normalization.Replicas;
            rescale = desired != currentReplicas;
        }

        if (rescale)
        {
            try
            {
                _scales.Update(targetType, key.Namespace, (string?)target?["name"] ?? "",
                    new JsonObject { ["spec"] = new JsonObject { ["replicas"] = (long)desired } }, new WriteOptions());
            }
            catch (ApiException e)
            {
                conditions.Set("AbleToScale", "False", "FailedUpdateScale", $"the HPA controller was unable to update the target scale: {e.Message}");
                Event(hpa, "Warning", "FailedRescale", $"New size: {desired}; reason: {reason}; error: {e.Message}");
                status["currentReplicas"] = currentReplicas;
                status["currentMetrics"] = metricStatuses;
                WriteStatus(key, hpa, status, conditions);
                return;
            }

            conditions.Set("AbleToScale", "True", "SucceededRescale", $"the HPA controller was able to update the target scale to {desired}");
            Event(hpa, "Normal", "SuccessfulRescale", $"New size: {desired}; reason: {reason}");
            ReplicaNormalizer.StoreScaleEvent(history, behavior, currentReplicas, desired, now);
            logger.LogInformation("HPA {Namespace}/{Name}: rescaled {Reference} from {Current} to {Desired}: {Reason}",
                key.Namespace, key.Name, reference, currentReplicas, desired, reason);
            status["lastScaleTime"] = ObjectMeta.Timestamp(now);
        }
        else
        {
            desired = currentReplicas;
        }

        status["currentReplicas"] = currentReplicas;
        status["desiredReplicas"] = desired;
        status["currentMetrics"] = metricStatuses;
        WriteStatus(key, hpa, status, conditions);
    }

    /// <summary>computeReplicasForMetrics: the largest proposal wins; -1 when all metrics (or some, scaling down) are invalid.</summary>
    private async Task<(int Replicas, string Metric, JsonArray Statuses, string? Error)> ComputeReplicasForMetricsAsync(
        string ns, JsonObject spec, int specReplicas, int statusReplicas, string selector, HpaConditions conditions, CancellationToken cancellationToken)
    {
        var specs = (spec["metrics"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var statuses = new JsonArray();
        var replicas = 0;
        var metric = "";
        var invalid = 0;
        (string Reason, string Message)? firstInvalid = null;
        string? firstError = null;
        foreach (var m in specs)
        {
            try
            {
                var (proposal, name, metricStatus) = await ComputeExternalAsync(ns, m, specReplicas, statusReplicas, selector, cancellationToken);
                statuses.Add(metricStatus);
                if (replicas == 0 || proposal > replicas)
                {
                    replicas = proposal;
                    metric = name;
                }
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or FormatException or ArgumentException)
            {
                statuses.Add(new JsonObject { ["type"] = "" });
                invalid++;
                if (firstInvalid is null)
                {
                    var reason = (string?)m["type"] == "External" ? "FailedGetExternalMetric" : $"FailedGet{(string?)m["type"]}Metric";
                    firstInvalid = (reason, $"the HPA was unable to compute the replica count: {e.Message}");
                    firstError = e.Message;
                }
            }
        }

        if (specs.Count == 0 || invalid >= specs.Count || invalid > 0 && replicas < specReplicas)
        {
            var (reason, message) = firstInvalid ?? ("FailedGetExternalMetric", "the HPA was unable to compute the replica count: no metrics");
            conditions.Set("ScalingActive", "False", reason, message);
            return (-1, "", statuses, $"invalid metrics ({invalid} invalid out of {specs.Count}), first error is: {firstError}");
        }

        conditions.Set("ScalingActive", "True", "ValidMetricFound", $"the HPA was able to successfully calculate a replica count from {metric}");
        return (replicas, metric, statuses, null);
    }

    private async Task<(int Replicas, string Name, JsonObject Status)> ComputeExternalAsync(string ns, JsonObject metricSpec, int specReplicas, int statusReplicas,
        string podSelector, CancellationToken cancellationToken)
    {
        if ((string?)metricSpec["type"] != "External" || metricSpec["external"] is not JsonObject external)
        {
            throw new InvalidOperationException(
                $"the MetaEvolve dev control plane's HPA emulation supports External metrics only, not {(string?)metricSpec["type"]}");
        }

        var name = (string?)external["metric"]?["name"] ?? "";
        var metricSelector = external["metric"]?["selector"] as JsonObject;
        var labelSelector = metricSelector is null ? "" : LabelSelector.Format(metricSelector);
        var targetSpec = external["target"];
        var values = await metrics.GetAsync(ns, name, labelSelector, cancellationToken);
        var identifier = new JsonObject { ["name"] = name };
        if (metricSelector is not null)
        {
            identifier["selector"] = metricSelector.DeepClone();
        }

        var description = $"external metric {name}({(labelSelector.Length == 0 ? "nil" : labelSelector)})";
        if (targetSpec?["averageValue"] is JsonValue)
        {
            var proposal = ReplicaCalculator.ExternalPerPod(statusReplicas, MetricQuantity.Milli(targetSpec!["averageValue"]!.ToString()), values, options.HpaTolerance);
            return (proposal.Replicas, description, new JsonObject
            {
                ["type"] = "External",
                ["external"] = new JsonObject { ["metric"] = identifier, ["current"] = new JsonObject { ["averageValue"] = MetricQuantity.Format(proposal.UsageMilli) } },
            });
        }

        if (targetSpec?["value"] is { } value)
        {
            var ready = ReadyPods(ns, podSelector);
            var proposal = ReplicaCalculator.ExternalValue(specReplicas, ready, MetricQuantity.Milli(value.ToString()), values, options.HpaTolerance);
            return (proposal.Replicas, description, new JsonObject
            {
                ["type"] = "External",
                ["external"] = new JsonObject { ["metric"] = identifier, ["current"] = new JsonObject { ["value"] = MetricQuantity.Format(proposal.UsageMilli) } },
            });
        }

        throw new InvalidOperationException("invalid external metric source: neither a value target nor an average value target was set");
    }

    private int ReadyPods(string ns, string selector)
    {
        var match = LabelSelector.Parse(selector);
        return operations.Store.List(new GroupResource("", "pods"), ns).Items.Count(p => match.Matches(p)
            && (p["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => (string?)c["type"] == "Ready" && (string?)c["status"] == "True") == true);
    }

    private void WriteStatus((string Namespace, string Name) key, JsonObject hpa, JsonObject status, HpaConditions conditions)
    {
        status["conditions"] = conditions.ToJson();
        if (status["currentMetrics"] is null)
        {
            status.Remove("currentMetrics");
        }

        status["desiredReplicas"] ??= status["currentReplicas"]?.DeepClone() ?? 0;
        status["currentReplicas"] ??= 0;
        operations.Mutate(Hpas, key.Namespace, key.Name, h =>
        {
            if (ObjectMeta.Uid(h) == ObjectMeta.Uid(hpa))
            {
                h["status"] = status.DeepClone();
            }
        });
    }

    private void Event(JsonObject hpa, string type, string reason, string message)
    {
        var now = ObjectMeta.Timestamp(time.GetUtcNow());
        var events = operations.Registry.Find("", "v1", "events")!;
        try
        {
            operations.Create(events, ObjectMeta.Namespace(hpa), new JsonObject
            {
                ["metadata"] = new JsonObject { ["generateName"] = ObjectMeta.Name(hpa) + "." },
                ["involvedObject"] = new JsonObject
                {
                    ["apiVersion"] = "autoscaling/v2",
                    ["kind"] = "HorizontalPodAutoscaler",
                    ["namespace"] = ObjectMeta.Namespace(hpa),
                    ["name"] = ObjectMeta.Name(hpa),
                    ["uid"] = ObjectMeta.Uid(hpa),
                },
                ["reason"] = reason,
                ["message"] = message,
                ["type"] = type,
                ["count"] = 1,
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["source"] = new JsonObject { ["component"] = "horizontal-pod-autoscaler" },
                ["reportingComponent"] = "horizontal-pod-autoscaler",
            }, new WriteOptions());
        }
        catch (ApiException e)
        {
            logger.LogDebug(e, "Could not record event {Reason}", reason);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
