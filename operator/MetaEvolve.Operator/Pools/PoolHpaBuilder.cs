using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Scaling;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// The autoscaling/v2 HorizontalPodAutoscaler of a pool in mode Hpa: the workers' Deployment scaled on the pool's
/// queue lag (the operator's External metric), aiming at targetLagPerReplica per replica. Pure.
/// </summary>
public static class PoolHpaBuilder
{
    public static V2HorizontalPodAutoscaler Build(V1Alpha1AgentPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var hpa = new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = PoolNames.ChildMetadata(pool, PoolNames.Deployment(pool)),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = PoolNames.Deployment(pool) },
                // An HPA cannot go below one replica; the operator itself takes a minReplicas 0 pool between 0 and 1.
                MinReplicas = Math.Max(1, PoolDefaults.MinReplicas(pool)),
                MaxReplicas = PoolDefaults.MaxReplicas(pool),
                Behavior = pool.Spec.Autoscaling?.Behavior,
                Metrics =
                [
                    new V2MetricSpec
                    {
                        Type = "External",
                        External = new V2ExternalMetricSource
                        {
                            Metric = new V2MetricIdentifier
                            {
                                Name = QueueLagMetric.Name,
                                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [QueueLagMetric.PoolLabel] = pool.Metadata.Name } },
                            },
                            Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity(PoolDefaults.TargetLagPerReplica(pool).ToString(System.Globalization.CultureInfo.InvariantCulture)) },
                        },
                    },
                ],
            },
        };
        hpa.Metadata.Annotations[PoolNames.ConfigHashAnnotation] = ConfigHash.Of(hpa.Spec);
        return hpa;
    }
}
