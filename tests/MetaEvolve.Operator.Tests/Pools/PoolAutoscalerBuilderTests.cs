using k8s.Models;
using MetaEvolve.Core;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Scaling;
using static MetaEvolve.Operator.Tests.Pools.PoolFixtures;

namespace MetaEvolve.Operator.Tests.Pools;

public class PoolAutoscalerBuilderTests
{
    private static V1Alpha1AgentPool Scaled(int? min = null, int? max = null, int? target = null, V2HorizontalPodAutoscalerBehavior? behavior = null) =>
        Pool(s => s.Autoscaling = new AgentPoolAutoscaling
        {
            MinReplicas = min,
            MaxReplicas = max,
            TargetLagPerReplica = target,
            ActivationLag = 2,
            CooldownSeconds = 45,
            Behavior = behavior,
        });

    [Fact]
    public void The_hpa_scales_the_workers_on_the_pools_external_queue_lag_at_the_target_per_replica()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = new V2HPAScalingRules { StabilizationWindowSeconds = 30 } };

        var hpa = PoolHpaBuilder.Build(Scaled(min: 2, max: 7, target: 12, behavior: behavior));

        Assert.Equal("general-workers", hpa.Metadata.Name);
        Assert.Equal("team-a", hpa.Metadata.NamespaceProperty);
        Assert.Equal("uid-1", Assert.Single(hpa.Metadata.OwnerReferences).Uid);
        Assert.Equal("metaevolve-operator", hpa.Metadata.Labels[PoolNames.ManagedByLabel]);
        Assert.Equal(("apps/v1", "Deployment", "general-workers"), (hpa.Spec.ScaleTargetRef.ApiVersion, hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.Equal(2, hpa.Spec.MinReplicas);
        Assert.Equal(7, hpa.Spec.MaxReplicas);
        Assert.Same(behavior, hpa.Spec.Behavior);
        var metric = Assert.Single(hpa.Spec.Metrics);
        Assert.Equal("External", metric.Type);
        Assert.Equal(QueueLagMetric.Name, metric.External.Metric.Name);
        Assert.Equal("general", metric.External.Metric.Selector.MatchLabels["metaevolve.io/pool"]);
        Assert.Equal("AverageValue", metric.External.Target.Type);
        Assert.Equal("12", metric.External.Target.AverageValue.ToString());
    }

    [Fact]
    public void An_hpa_never_asks_for_zero_replicas_the_operator_takes_that_step()
    {
        Assert.Equal(1, PoolHpaBuilder.Build(Scaled(min: 0)).Spec.MinReplicas);
    }

    [Fact]
    public void The_config_hash_follows_the_spec_so_only_a_changed_spec_is_written()
    {
        var hash = ConfigHash.Read(PoolHpaBuilder.Build(Scaled(max: 5)).Metadata);

        Assert.Equal(hash, ConfigHash.Read(PoolHpaBuilder.Build(Scaled(max: 5)).Metadata));
        Assert.NotEqual(hash, ConfigHash.Read(PoolHpaBuilder.Build(Scaled(max: 6)).Metadata));
        Assert.NotEqual(hash, ConfigHash.Read(PoolHpaBuilder.Build(Scaled(max: 5, target: 9)).Metadata));
    }

    [Fact]
    public void The_scaled_object_points_kedas_nats_jetstream_scaler_at_the_pools_consumer()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleUp = new V2HPAScalingRules { StabilizationWindowSeconds = 0 } };

        var scaledObject = PoolScaledObjectBuilder.Build(Scaled(min: 0, max: 4, target: 8, behavior: behavior), NatsNames.Default, "nats.messaging.svc:8222");

        Assert.Equal("keda.sh/v1alpha1", scaledObject.ApiVersion);
        Assert.Equal("ScaledObject", scaledObject.Kind);
        Assert.Equal("general-workers", scaledObject.Metadata.Name);
        Assert.Equal("uid-1", Assert.Single(scaledObject.Metadata.OwnerReferences).Uid);
        Assert.Equal("general-workers", scaledObject.Spec.ScaleTargetRef.Name);
        Assert.Equal((0, 4, 45), (scaledObject.Spec.MinReplicaCount, scaledObject.Spec.MaxReplicaCount, scaledObject.Spec.CooldownPeriod));
        Assert.Same(behavior, scaledObject.Spec.Advanced?.HorizontalPodAutoscalerConfig?.Behavior);
        var trigger = Assert.Single(scaledObject.Spec.Triggers);
        Assert.Equal("nats-jetstream", trigger.Type);
        Assert.Equal("nats.messaging.svc:8222", trigger.Metadata["natsServerMonitoringEndpoint"]);
        Assert.Equal("METAEVOLVE_TASKS", trigger.Metadata["stream"]);
        Assert.Equal("pool-team-a-general", trigger.Metadata["consumer"]);
        Assert.Equal("8", trigger.Metadata["lagThreshold"]);
        Assert.Equal("2", trigger.Metadata["activationLagThreshold"]);
    }

    [Fact]
    public void A_scaled_object_serializes_with_kedas_field_names()
    {
        var json = k8s.KubernetesJson.Serialize(PoolScaledObjectBuilder.Build(Scaled(min: 0), NatsNames.Default, "n:8222"));

        Assert.Contains("\"scaleTargetRef\":", json, StringComparison.Ordinal);
        Assert.Contains("\"minReplicaCount\":0", json, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"nats-jetstream\"", json, StringComparison.Ordinal);
    }
}
