using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// A pool's status from what the reconcile observed. Pure. Ready means the pool can serve: its consumer is in place
/// and at least one worker is available — or it wants none (resting at zero, suspended). A scale-up or a rollout
/// with some workers available stays Ready (reason PartiallyAvailable) and only Reconciling says it is still moving.
/// A pool that wants workers and has none available stays as Ready as it was for <see cref="PoolDefaults.WorkerStartGrace"/>
/// (waking from zero is not an outage), counted from the Deployment's own Available condition turning False; after
/// that it is Ready False DeploymentUnavailable. desiredReplicas is what the autoscaler asks for, which may run ahead
/// of the Deployment.
/// </summary>
public static class PoolStatusBuilder
{
    /// <param name="regions">The operator's region and peers: status.region and, for a pool with spec.federation, Federated.</param>
    public static V1Alpha1AgentPoolStatus Build(V1Alpha1AgentPool pool, PoolObservation observed, DateTime now, RegionSettings? regions = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(observed);
        var generation = pool.Metadata.Generation;
        var deployment = observed.Deployment;
        var replicas = deployment?.Spec.Replicas ?? PoolDefaults.DeploymentReplicas(pool) ?? 1;
        var readiness = Readiness(pool, observed, replicas, now);
        var (scaling, scalingReason, scalingMessage) = PoolScalingCondition.Evaluate(pool, observed);

        var conditions = Conditions.Set(pool.Status?.Conditions, ConditionTypes.Ready, readiness.Ready, readiness.Reason, readiness.Message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.Reconciling, !readiness.Settled,
            readiness.Settled ? ConditionReasons.Reconciled : ConditionReasons.Progressing,
            readiness.Settled ? "the pool matches its spec" : readiness.Message, generation, now);
        conditions = Conditions.Set(conditions, ConditionTypes.ScalingActive, scaling, scalingReason, scalingMessage, generation, now);
        regions ??= RegionSettings.None;
        conditions = PoolFederationCondition.Evaluate(pool, regions) is { } federated
            ? Conditions.Set(conditions, ConditionTypes.Federated, federated.Federated, federated.Reason, federated.Message, generation, now)
            : Conditions.Remove(conditions, ConditionTypes.Federated);

        return new V1Alpha1AgentPoolStatus
        {
            ObservedGeneration = generation,
            Replicas = deployment?.Status?.Replicas ?? 0,
            ReadyReplicas = deployment?.Status?.ReadyReplicas ?? 0,
            DesiredReplicas = Desired(pool, observed, replicas),
            Selector = PoolNames.SelectorString(pool),
            Region = regions.Region,
            Queue = observed.Queue?.Lag is { } lag
                ? new AgentPoolQueueStatus { Pending = lag.Pending, AckPending = lag.AckPending, Redelivered = lag.Redelivered, SampledAt = lag.SampledAt }
                : pool.Status?.Queue,
            Agents = [.. observed.Agents],
            Conditions = conditions,
        };
    }

    /// <summary>
    /// When the start grace of a pool with no available worker runs out: nothing else would reconcile it then (the
    /// Deployment does not change), so the reconciler asks to be called again. Null when no grace is running.
    /// </summary>
    public static TimeSpan? GraceEndsIn(PoolObservation observed, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(observed);
        if (observed.QueueError is not null || observed.Deployment is not { } deployment || (deployment.Spec.Replicas ?? 1) == 0
            || (deployment.Status?.AvailableReplicas ?? 0) > 0 || UnavailableSince(deployment) is not { } since)
        {
            return null;
        }

        var left = since + PoolDefaults.WorkerStartGrace - now;
        return left > TimeSpan.Zero ? left : null;
    }

    /// <summary>The HPA's desired count while it owns a running pool; otherwise the Deployment's own.</summary>
    private static int Desired(V1Alpha1AgentPool pool, PoolObservation observed, int replicas) =>
        replicas > 0 && !PoolDefaults.Suspended(pool) && observed.Autoscaler?.Hpa?.Status?.DesiredReplicas is { } desired
            ? desired
            : replicas;

    private sealed record PoolReadiness(bool Ready, string Reason, string Message, bool Settled);

    private static PoolReadiness Readiness(V1Alpha1AgentPool pool, PoolObservation observed, int desired, DateTime now)
    {
        if (observed.QueueError is not null)
        {
            return new(false, ConditionReasons.QueueUnavailable, $"the pool's JetStream consumer could not be applied: {observed.QueueError}", false);
        }

        if (observed.Deployment is not { } deployment)
        {
            return new(false, ConditionReasons.Progressing, "the workers' Deployment is being created", false);
        }

        var status = deployment.Status;
        var current = (status?.ObservedGeneration ?? 0) >= (deployment.Metadata.Generation ?? 0);
        var available = status?.AvailableReplicas ?? 0;
        var updated = status?.UpdatedReplicas ?? 0;
        var settled = current && available >= desired && updated >= desired;
        var counts = $"{available} of {desired} workers available";
        if (desired == 0)
        {
            // Nothing is wanted, so nothing is missing: tasks wait in the queue and wake the pool (or wait for resume).
            return PoolDefaults.Suspended(pool)
                ? new(true, ConditionReasons.Suspended, "the pool is suspended: no workers run and tasks wait in the queue", settled)
                : new(true, ConditionReasons.Reconciled, counts, settled);
        }

        if (settled)
        {
            return new(true, ConditionReasons.Reconciled, counts, true);
        }

        if (available > 0)
        {
            return new(true, ConditionReasons.PartiallyAvailable, $"{counts}; the rest are starting", false);
        }

        // Not reported yet (a Deployment just made): its first status update reconciles the pool again.
        var since = UnavailableSince(deployment);
        if (since is null || now - since < PoolDefaults.WorkerStartGrace)
        {
            var wasReady = Conditions.IsTrue(pool.Status?.Conditions, ConditionTypes.Ready);
            var waiting = $"{counts} yet; tasks wait in the queue until one starts";
            return wasReady
                ? new(true, ConditionReasons.WorkersStarting, waiting, false)
                : new(false, ConditionReasons.Progressing, waiting, false);
        }

        return new(false, ConditionReasons.DeploymentUnavailable,
            $"Deployment {deployment.Metadata.Name} has had no available worker for {(int)(now - since.Value).TotalSeconds} s ({counts})", false);
    }

    /// <summary>When the Deployment's Available condition turned False; null when it is True or not reported.</summary>
    private static DateTime? UnavailableSince(V1Deployment deployment) =>
        deployment.Status?.Conditions?.FirstOrDefault(c => c.Type == "Available") is { Status: "False", LastTransitionTime: { } since }
            ? DateTime.SpecifyKind(since, DateTimeKind.Utc)
            : null;
}
