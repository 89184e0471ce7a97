using System.Diagnostics;
using k8s;
using k8s.Models;
using static MetaEvolve.DevCluster.Workloads.Tests.WorkloadCluster;

namespace MetaEvolve.DevCluster.Workloads.Tests;

/// <summary>
/// The HPA emulation against an External metric served by a real process behind an APIService
/// (sync period 0.5 s, default downscale stabilization 3 s in these tests).
/// </summary>
public sealed class HpaEmulationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static V2HorizontalPodAutoscaler Hpa(string target, int min, int max, string averageValue, V2HorizontalPodAutoscalerBehavior? behavior = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = target },
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = target },
            MinReplicas = min,
            MaxReplicas = max,
            Behavior = behavior,
            Metrics =
            [
                new V2MetricSpec
                {
                    Type = "External",
                    External = new V2ExternalMetricSource
                    {
                        Metric = new V2MetricIdentifier
                        {
                            Name = "queue_lag",
                            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["pool"] = target } },
                        },
                        Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity(averageValue) },
                    },
                },
            ],
        },
    };

    private static async Task<int> Replicas(Kubernetes client, string name) =>
        (await client.AppsV1.ReadNamespacedDeploymentScaleAsync(name, "default", cancellationToken: Ct)).Spec.Replicas ?? 0;

    private static async Task<V2HorizontalPodAutoscaler> Read(Kubernetes client, string name) =>
        await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, "default", cancellationToken: Ct);

    private static async Task<List<string>> RescaleEvents(Kubernetes client, string hpa) =>
        (await client.CoreV1.ListNamespacedEventAsync("default", cancellationToken: Ct)).Items
            .Where(e => e.InvolvedObject.Name == hpa && e.Reason == "SuccessfulRescale")
            .OrderBy(e => e.Metadata.CreationTimestamp).ThenBy(e => int.Parse(e.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture))
            .Select(e => e.Message).ToList();

    [Fact]
    public async Task Hpa_scales_on_an_aggregated_external_metric_as_upstream_including_the_stabilization_window()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var adapter = await MetricsAdapter.DeployAsync(client, cluster.Host.Directory, "45", Ct);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("worker", 1, "w" + Guid.NewGuid().ToString("N")[..10]), "default", cancellationToken: Ct);
        await Eventually(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("worker", "default", cancellationToken: Ct)).Status?.ReadyReplicas == 1,
            "worker ready");

        await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(Hpa("worker", 1, 10, "10"), "default", cancellationToken: Ct);

        // 45 / 10 per replica → 5; without behavior the first step is capped at max(2 × 1, 4) = 4.
        await Eventually(async () => await Replicas(client, "worker") == 5 && (await Read(client, "worker")).Status?.DesiredReplicas == 5, "scaled to 5");
        var events = await RescaleEvents(client, "worker");
        Assert.Equal("New size: 4; reason: external metric queue_lag(pool=worker) above target", events[0]);
        Assert.Equal("New size: 5; reason: external metric queue_lag(pool=worker) above target", events[^1]);
        await Eventually(async () => (await Read(client, "worker")).Status?.CurrentMetrics?.Single().External.Current.AverageValue?.ToString() == "9",
            "current average 45/5 = 9 once all 5 replicas run");
        var status = (await Read(client, "worker")).Status;
        Assert.Contains(status.Conditions, c => c.Type == "ScalingActive" && c.Status == "True" && c.Reason == "ValidMetricFound");
        Assert.NotNull(status.LastScaleTime);

        // Within tolerance (48 / (10 × 5) = 0.96): no change.
        adapter.Set("48");
        await Task.Delay(1500, Ct);
        Assert.Equal(5, await Replicas(client, "worker"));

        // Far below: the proposal is 1, but the 3 s window keeps the highest recent recommendation.
        adapter.Set("10");
        var since = Stopwatch.StartNew();
        await Eventually(async () => (await Read(client, "worker")).Status?.Conditions?.Any(c => c.Reason == "ScaleDownStabilized") == true,
            "AbleToScale ScaleDownStabilized");
        Assert.Equal(5, await Replicas(client, "worker"));
        await Eventually(async () => await Replicas(client, "worker") == 1, "scaled down to 1 after the window");
        Assert.True(since.Elapsed >= TimeSpan.FromSeconds(2.5), $"scale-down waited out the window (after {since.Elapsed})");
        Assert.Equal("New size: 1; reason: All metrics below target", (await RescaleEvents(client, "worker"))[^1]);
    }

    [Fact]
    public async Task Hpa_behavior_policies_limit_the_scale_up_rate()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        await MetricsAdapter.DeployAsync(client, cluster.Host.Directory, "45", Ct);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("slow", 1, "s" + Guid.NewGuid().ToString("N")[..10]), "default", cancellationToken: Ct);
        var behavior = new V2HorizontalPodAutoscalerBehavior
        {
            ScaleUp = new V2HPAScalingRules { Policies = [new V2HPAScalingPolicy { Type = "Pods", Value = 1, PeriodSeconds = 600 }] },
        };

        await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(Hpa("slow", 1, 10, "10", behavior), "default", cancellationToken: Ct);

        await Eventually(async () => await Replicas(client, "slow") == 2, "one pod added");
        await Eventually(async () => (await Read(client, "slow")).Status?.Conditions?.Any(c =>
            c.Type == "ScalingLimited" && c.Status == "True" && c.Reason == "ScaleUpLimit") == true, "ScalingLimited ScaleUpLimit");
        await Task.Delay(1500, Ct);
        Assert.Equal(2, await Replicas(client, "slow"));
    }

    [Fact]
    public async Task Hpa_leaves_a_target_at_zero_replicas_alone()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        await MetricsAdapter.DeployAsync(client, cluster.Host.Directory, "45", Ct);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("idle", 0, "i" + Guid.NewGuid().ToString("N")[..10]), "default", cancellationToken: Ct);

        await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(Hpa("idle", 1, 10, "10"), "default", cancellationToken: Ct);

        await Eventually(async () => (await Read(client, "idle")).Status?.Conditions?.Any(c =>
            c.Type == "ScalingActive" && c.Status == "False" && c.Reason == "ScalingDisabled") == true, "ScalingActive False ScalingDisabled");
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(500, Ct);
            Assert.Equal(0, await Replicas(client, "idle"));
        }

        var status = (await Read(client, "idle")).Status;
        Assert.Equal(0, status.CurrentReplicas);
        Assert.Equal(0, status.DesiredReplicas);
        Assert.Empty(await RescaleEvents(client, "idle"));

        // Once something (the operator's 0→1 step) scales it up, the HPA takes over.
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "idle", "default", cancellationToken: Ct);
        await Eventually(async () => await Replicas(client, "idle") == 5, "the HPA scales the woken target");
    }
}
