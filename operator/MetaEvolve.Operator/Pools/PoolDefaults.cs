using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Pools;

/// <summary>The schema's defaults, applied again in code: an object written before a default existed may lack it.</summary>
public static class PoolDefaults
{
    public static int Concurrency(V1Alpha1AgentPool pool) => pool?.Spec.Concurrency ?? 4;

    public static AutoscalingMode Mode(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.Mode ?? AutoscalingMode.Hpa;

    public static int Replicas(V1Alpha1AgentPool pool) => pool?.Spec.Replicas ?? 1;

    public static int MinReplicas(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.MinReplicas ?? 1;

    public static int MaxReplicas(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.MaxReplicas ?? 10;

    public static int TargetLagPerReplica(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.TargetLagPerReplica ?? 5;

    public static int ActivationLag(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.ActivationLag ?? 0;

    public static int CooldownSeconds(V1Alpha1AgentPool pool) => pool?.Spec.Autoscaling?.CooldownSeconds ?? 300;

    public static int AckWaitSeconds(V1Alpha1AgentPool pool) => pool?.Spec.Task?.AckWaitSeconds ?? 60;

    public static int MaxDeliver(V1Alpha1AgentPool pool) => pool?.Spec.Task?.MaxDeliver ?? 5;

    public static int TimeoutSeconds(V1Alpha1AgentPool pool) => pool?.Spec.Task?.TimeoutSeconds ?? 300;

    public static long TerminationGracePeriodSeconds(V1Alpha1AgentPool pool) => pool?.Spec.Template?.TerminationGracePeriodSeconds ?? 30;

    public static bool Suspended(V1Alpha1AgentPool pool) => pool?.Spec.Suspend == true;

    /// <summary>
    /// The replicas the operator writes into the Deployment, or null when an autoscaler owns them (modes Hpa and
    /// Keda): a suspended pool runs none; mode None runs spec.replicas.
    /// </summary>
    public static int? DeploymentReplicas(V1Alpha1AgentPool pool) =>
        Suspended(pool) ? 0 : Mode(pool) == AutoscalingMode.None ? Replicas(pool) : null;
}
