using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;

namespace MetaEvolve.Operator.Scaling;

/// <summary>A replica count the operator itself writes through the Deployment's /scale, and why.</summary>
public sealed record ScaleStep(int Replicas, string Reason, string Message);

/// <summary>
/// The one step an HPA cannot take: between zero and one replica. KEDA's rule, for mode Hpa: a pool at zero starts
/// one worker once its lag exceeds activationLag; a pool that allows zero stops its workers after cooldownSeconds
/// without any lag. Nothing is decided on a failed read — no figure is not the same as zero. Pure.
/// </summary>
public static class ZeroScaling
{
    public const string Activated = "Activated";
    public const string ScaledToZero = "ScaledToZero";

    /// <param name="replicas">The Deployment's spec.replicas (null before it exists).</param>
    public static ScaleStep? Decide(V1Alpha1AgentPool pool, int? replicas, PoolQueueState? queue, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (PoolDefaults.Suspended(pool) || PoolDefaults.Mode(pool) != AutoscalingMode.Hpa || replicas is null)
        {
            return null;
        }

        var min = PoolDefaults.MinReplicas(pool);
        if (replicas == 0 && min > 0)
        {
            // E.g. minReplicas raised from 0, or mode None at 0 switched to Hpa: the HPA leaves a target at 0 alone.
            return new ScaleStep(1, Activated, $"minReplicas is {min}: starting the first worker for the HorizontalPodAutoscaler to scale");
        }

        if (queue is not { Error: null, Lag: { } lag } || min > 0)
        {
            return null;
        }

        var activation = PoolDefaults.ActivationLag(pool);
        if (replicas == 0 && lag.Lag > activation)
        {
            return new ScaleStep(1, Activated, $"queue lag {lag.Lag} is above activationLag {activation}: starting the first worker");
        }

        var cooldown = TimeSpan.FromSeconds(PoolDefaults.CooldownSeconds(pool));
        if (replicas > 0 && lag.Lag == 0 && now - queue.LastActive >= cooldown)
        {
            return new ScaleStep(0, ScaledToZero, $"no queue lag for {cooldown.TotalSeconds:0} s (cooldownSeconds): stopping all workers until a task arrives");
        }

        return null;
    }

    /// <summary>
    /// When a running pool without lag will have cooled down, so the reconcile can come back then rather than wait for
    /// a queue poll; null when no step to zero is pending.
    /// </summary>
    public static TimeSpan? UntilCooledDown(V1Alpha1AgentPool pool, int? replicas, PoolQueueState? queue, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (!MayIdleAtZero(pool) || replicas is not > 0 || queue is not { Error: null, Lag.Lag: 0 })
        {
            return null;
        }

        var remaining = queue.LastActive + TimeSpan.FromSeconds(PoolDefaults.CooldownSeconds(pool)) - now;
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    /// <summary>True for a pool the operator may keep at zero, so a published task must wake it.</summary>
    public static bool MayIdleAtZero(V1Alpha1AgentPool pool) =>
        !PoolDefaults.Suspended(pool) && PoolDefaults.Mode(pool) == AutoscalingMode.Hpa && PoolDefaults.MinReplicas(pool) == 0;
}
