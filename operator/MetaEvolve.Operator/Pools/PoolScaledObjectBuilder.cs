using System.Globalization;
using MetaEvolve.Core;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Keda;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// The KEDA ScaledObject of a pool in mode Keda: KEDA's nats-jetstream scaler reads the same consumer lag from the
/// NATS monitoring endpoint and does the 0↔1 step itself, so the operator neither serves a metric nor wakes the pool.
/// Pure.
/// </summary>
public static class PoolScaledObjectBuilder
{
    public static KedaScaledObject Build(V1Alpha1AgentPool pool, NatsNames names, string natsMonitoringEndpoint)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var ns = pool.Metadata.NamespaceProperty ?? "default";
        static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
        var scaledObject = new KedaScaledObject
        {
            Metadata = PoolNames.ChildMetadata(pool, PoolNames.Deployment(pool)),
            Spec = new KedaScaledObjectSpec
            {
                ScaleTargetRef = new KedaScaleTarget { ApiVersion = "apps/v1", Kind = "Deployment", Name = PoolNames.Deployment(pool) },
                MinReplicaCount = PoolDefaults.MinReplicas(pool),
                MaxReplicaCount = PoolDefaults.MaxReplicas(pool),
                CooldownPeriod = PoolDefaults.CooldownSeconds(pool),
                Advanced = pool.Spec.Autoscaling?.Behavior is { } behavior
                    ? new KedaAdvanced { HorizontalPodAutoscalerConfig = new KedaHpaConfig { Behavior = behavior } }
                    : null,
                Triggers =
                [
                    new KedaTrigger
                    {
                        Type = "nats-jetstream",
                        Metadata = new Dictionary<string, string>
                        {
                            ["natsServerMonitoringEndpoint"] = natsMonitoringEndpoint,
                            ["account"] = "$G",
                            ["stream"] = names.TaskStream,
                            ["consumer"] = names.PoolConsumer(ns, pool.Metadata.Name),
                            ["lagThreshold"] = Text(PoolDefaults.TargetLagPerReplica(pool)),
                            ["activationLagThreshold"] = Text(PoolDefaults.ActivationLag(pool)),
                            ["useHttps"] = "false",
                        },
                    },
                ],
            },
        };
        scaledObject.Metadata.Annotations[PoolNames.ConfigHashAnnotation] = ConfigHash.Of(scaledObject.Spec);
        return scaledObject;
    }
}
