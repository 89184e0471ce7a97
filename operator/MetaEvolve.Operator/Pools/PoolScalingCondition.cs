using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// The pool's ScalingActive condition: whether something can read the queue and scale the workers right now. In mode
/// Hpa it carries the HPA's own verdict (e.g. FailedGetExternalMetric when no external-metrics API is registered), in
/// mode Keda the ScaledObject's, and the operator's own reasons around them. Pure.
/// </summary>
public static class PoolScalingCondition
{
    public static (string Status, string Reason, string Message) Evaluate(V1Alpha1AgentPool pool, PoolObservation observed)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(observed);
        if (PoolDefaults.Suspended(pool))
        {
            return (Conditions.False, ConditionReasons.Suspended, "the pool is suspended: no autoscaler runs");
        }

        var mode = PoolDefaults.Mode(pool);
        if (mode == AutoscalingMode.None)
        {
            return (Conditions.False, ConditionReasons.ScalingDisabled, $"autoscaling mode None: spec.replicas ({PoolDefaults.Replicas(pool)}) is kept");
        }

        if (observed.Autoscaler?.Problem is { } problem)
        {
            return (Conditions.False, ConditionReasons.KedaNotInstalled, problem);
        }

        if (mode == AutoscalingMode.Keda)
        {
            return observed.Autoscaler?.ScaledObject?.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready") is { } ready
                ? (ready.Status, ready.Status == Conditions.True ? ConditionReasons.ScaledObjectReady : ready.Reason ?? ConditionReasons.Progressing,
                    ready.Message ?? "KEDA reports the ScaledObject's state")
                : (Conditions.Unknown, ConditionReasons.AutoscalerPending, "waiting for KEDA to report on the ScaledObject");
        }

        var queueError = observed.QueueError ?? observed.Queue?.Error;
        if (queueError is not null)
        {
            return (Conditions.False, ConditionReasons.QueueUnavailable, $"the queue lag cannot be read: {queueError}");
        }

        if (observed.Deployment?.Spec.Replicas == 0 && PoolDefaults.MinReplicas(pool) == 0)
        {
            return (Conditions.False, ConditionReasons.ScaledToZero,
                $"no queue lag for {PoolDefaults.CooldownSeconds(pool)} s: no workers run, and a queue lag above {PoolDefaults.ActivationLag(pool)} starts one");
        }

        return observed.Autoscaler?.Hpa?.Status?.Conditions?.FirstOrDefault(c => c.Type == "ScalingActive") is { } active
            ? (active.Status, active.Reason ?? ConditionReasons.Progressing, active.Message ?? "")
            : (Conditions.Unknown, ConditionReasons.AutoscalerPending, "waiting for the HorizontalPodAutoscaler's first reading of the queue lag");
    }
}
