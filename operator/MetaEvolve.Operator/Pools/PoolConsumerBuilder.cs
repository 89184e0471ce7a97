using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Operator.Pools;

/// <summary>The pool's durable pull consumer, as the design's topology says. Pure.</summary>
public static class PoolConsumerBuilder
{
    public static ConsumerConfig Build(V1Alpha1AgentPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var ns = pool.Metadata.NamespaceProperty ?? "default";
        var name = TaskSubjects.PoolConsumer(ns, pool.Metadata.Name);
        // Every replica the autoscaler may run can hold `concurrency` tasks at once; fewer would starve them.
        var replicas = Math.Max(PoolDefaults.MaxReplicas(pool), PoolDefaults.Replicas(pool));
        return new ConsumerConfig(name)
        {
            DurableName = name,
            FilterSubject = TaskSubjects.PoolFilter(ns, pool.Metadata.Name),
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = TimeSpan.FromSeconds(PoolDefaults.AckWaitSeconds(pool)),
            // One more delivery than spec.task.maxDeliver: the worker records a task whose last attempt died with
            // its process as dead-lettered instead of leaving it unrecorded (agent-runtime's ConsumerMaxDeliver).
            MaxDeliver = PoolDefaults.MaxDeliver(pool) + 1,
            MaxAckPending = Math.Max(1, replicas * PoolDefaults.Concurrency(pool)),
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
        };
    }

    /// <summary>True when the server's consumer already has the settings the operator manages.</summary>
    public static bool Matches(ConsumerConfig actual, ConsumerConfig desired)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(desired);
        return actual.FilterSubject == desired.FilterSubject
            && actual.AckPolicy == desired.AckPolicy
            && actual.AckWait == desired.AckWait
            && actual.MaxDeliver == desired.MaxDeliver
            && actual.MaxAckPending == desired.MaxAckPending;
    }
}
