using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Operator.Pools;

/// <summary>What a pool's spec says about its durable consumer; the consumer itself is defined in core. Pure.</summary>
public static class PoolConsumerBuilder
{
    public static PoolConsumerSettings Settings(V1Alpha1AgentPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return new PoolConsumerSettings(
            pool.Metadata.NamespaceProperty ?? "default",
            pool.Metadata.Name,
            TimeSpan.FromSeconds(PoolDefaults.AckWaitSeconds(pool)),
            PoolDefaults.MaxDeliver(pool),
            // Mode None runs spec.replicas, which may exceed the autoscaling maximum.
            Math.Max(PoolDefaults.MaxReplicas(pool), PoolDefaults.Replicas(pool)),
            PoolDefaults.Concurrency(pool));
    }

    public static ConsumerConfig Build(V1Alpha1AgentPool pool, NatsNames names) => TaskQueueTopology.PoolConsumer(names, Settings(pool));
}
