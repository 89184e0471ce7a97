using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// The pool's settings with the schema's defaults (<see cref="AgentPoolDefaults"/>) applied again in code: an object
/// written before a default existed may lack it.
/// </summary>
public static class PoolDefaults
{
    /// <summary>
    /// How long a pool that wants workers may have none available and stay Ready: long enough for a pod to be
    /// scheduled, pull its image and pass its readiness probe when the pool wakes from zero.
    /// </summary>
    public static readonly TimeSpan WorkerStartGrace = TimeSpan.FromMinutes(3);

    public static int Concurrency(V1Alpha1AgentPool pool) => pool?.Spec.Concurrency ?? AgentPoolDefaults.Concurrency;

    public static AutoscalingMode Mode(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.Mode ?? AgentPoolDefaults.Mode;

    public static int Replicas(V1Alpha1AgentPool pool) => pool?.Spec.Replicas ?? AgentPoolDefaults.Replicas;

    public static int MinReplicas(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.MinReplicas ?? AgentPoolDefaults.MinReplicas;

    public static int MaxReplicas(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.MaxReplicas ?? AgentPoolDefaults.MaxReplicas;

    public static int TargetLagPerReplica(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.TargetLagPerReplica ?? AgentPoolDefaults.TargetLagPerReplica;

    public static int ActivationLag(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.ActivationLag ?? AgentPoolDefaults.ActivationLag;

    public static int CooldownSeconds(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.CooldownSeconds ?? AgentPoolDefaults.CooldownSeconds;

    public static int AckWaitSeconds(V1Alpha1AgentPool pool) => pool?.Spec.Task?.AckWaitSeconds ?? AgentPoolDefaults.AckWaitSeconds;

    public static int MaxDeliver(V1Alpha1AgentPool pool) => pool?.Spec.Task?.MaxDeliver ?? AgentPoolDefaults.MaxDeliver;

    public static int TimeoutSeconds(V1Alpha1AgentPool pool) => pool?.Spec.Task?.TimeoutSeconds ?? AgentPoolDefaults.TimeoutSeconds;

    public static long TerminationGracePeriodSeconds(V1Alpha1AgentPool pool) => pool?.Spec.Template?.TerminationGracePeriodSeconds ?? AgentPoolDefaults.TerminationGracePeriodSeconds;

    public static bool Suspended(V1Alpha1AgentPool pool) => pool?.Spec.Suspend ?? AgentPoolDefaults.Suspend;

    /// <summary>
    /// The replicas the operator writes into the Deployment, or null when an autoscaler owns them (modes Hpa and
    /// Keda): a suspended pool runs none; mode None runs spec.replicas.
    /// </summary>
    public static int? DeploymentReplicas(V1Alpha1AgentPool pool) =>
        Suspended(pool) ? 0 : Mode(pool) == AutoscalingMode.None ? Replicas(pool) : null;
}
