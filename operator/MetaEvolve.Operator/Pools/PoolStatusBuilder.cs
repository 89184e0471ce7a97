using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// A pool's status from what the reconcile observed. Pure. Ready means the children are applied, the consumer is
/// present, and the Deployment's replicas (0 included) are available in the current rollout; desiredReplicas is what
/// the autoscaler asks for, which may run ahead of the Deployment.
/// </summary>
public static class PoolStatusBuilder
{
    public static V1Alpha1AgentPoolStatus Build(V1Alpha1AgentPool pool, PoolObservation observed, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(observed);
        var generation = pool.Metadata.Generation;
        var deployment = observed.Deployment;
        var replicas = deployment?.Spec.Replicas ?? PoolDefaults.DeploymentReplicas(pool) ?? 1;
        var (ready, reason, message) = Readiness(pool, observed, replicas);
        var (scaling, scalingReason, scalingMessage) = PoolScalingCondition.Evaluate(pool, observed);

        var conditions = Conditions.Set(pool.Status?.Conditions, ConditionTypes.Ready, ready, reason, message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Reconciling, !ready,
            ready ? ConditionReasons.Reconciled : ConditionReasons.Progressing,
            ready ? "the pool matches its spec" : message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.ScalingActive, scaling, scalingReason, scalingMessage, generation, now);

        return new V1Alpha1AgentPoolStatus
        {
            ObservedGeneration = generation,
            Replicas = deployment?.Status?.Replicas ?? 0,
            ReadyReplicas = deployment?.Status?.ReadyReplicas ?? 0,
            DesiredReplicas = Desired(pool, observed, replicas),
            Selector = PoolNames.SelectorString(pool),
            Queue = observed.Queue?.Lag is { } lag
                ? new AgentPoolQueueStatus { Pending = lag.Pending, AckPending = lag.AckPending, Redelivered = lag.Redelivered, SampledAt = lag.SampledAt }
                : pool.Status?.Queue,
            Agents = [.. observed.Agents],
            Conditions = conditions,
        };
    }

    /// <summary>The HPA's desired count while it owns a running pool; otherwise the Deployment's own.</summary>
    private static int Desired(V1Alpha1AgentPool pool, PoolObservation observed, int replicas) =>
        replicas > 0 && !PoolDefaults.Suspended(pool) && observed.Autoscaler?.Hpa?.Status?.DesiredReplicas is { } desired
            ? desired
            : replicas;

    private static (bool Ready, string Reason, string Message) Readiness(V1Alpha1AgentPool pool, PoolObservation observed, int desired)
    {
        if (observed.QueueError is not null)
        {
            return (false, ConditionReasons.QueueUnavailable, $"the pool's JetStream consumer could not be applied: {observed.QueueError}");
        }

        if (observed.Deployment is not { } deployment)
        {
            return (false, ConditionReasons.Progressing, "the workers' Deployment is being created");
        }

        var status = deployment.Status;
        var current = (status?.ObservedGeneration ?? 0) >= (deployment.Metadata.Generation ?? 0);
        var available = status?.AvailableReplicas ?? 0;
        var updated = status?.UpdatedReplicas ?? 0;
        if (!current || available < desired || updated < desired)
        {
            return (false, ConditionReasons.DeploymentUnavailable,
                $"Deployment {deployment.Metadata.Name} has {available} of {desired} replicas available");
        }

        return PoolDefaults.Suspended(pool)
            ? (true, ConditionReasons.Suspended, "the pool is suspended: no workers run and tasks wait in the queue")
            : (true, ConditionReasons.Reconciled, $"{available} of {desired} workers available");
    }
}
