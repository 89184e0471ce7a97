namespace MetaEvolve.DevCluster.Workloads;

/// <summary>Settings of the local workload runner and the HPA emulation. Adjust with <c>with</c>.</summary>
public sealed record WorkloadOptions
{
    /// <summary>Image → local command; the first matching entry wins. An image without one stays in ErrImagePull.</summary>
    public IReadOnlyList<ImageCommand> Images { get; init; } = [];

    /// <summary>First restart delay after a crash; doubles up to <see cref="MaxRestartBackoff"/> (kubelet: 10 s, 5 min).</summary>
    public TimeSpan RestartBackoff { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxRestartBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>HPA sync period (kube-controller-manager --horizontal-pod-autoscaler-sync-period, 15 s).</summary>
    public TimeSpan HpaSyncPeriod { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Default scale-down stabilization window (--horizontal-pod-autoscaler-downscale-stabilization, 5 min).</summary>
    public TimeSpan HpaDownscaleStabilization { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>HPA tolerance (--horizontal-pod-autoscaler-tolerance, 0.1).</summary>
    public double HpaTolerance { get; init; } = 0.1;

    /// <summary>Lines of output kept per container instance for <c>kubectl logs</c>.</summary>
    public int LogLines { get; init; } = 10_000;

    /// <summary>
    /// Longest grace period when the runner itself stops (graceful node shutdown): <c>dev up</c> must
    /// be gone within 20 s of SIGTERM, whatever the pods ask for.
    /// </summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where each pod gets its sandbox directory (<c>&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;</c>: volumes, ServiceAccount
    /// kubeconfig); removed when the pod stops.
    /// </summary>
    public string PodsDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "metaevolve-dev-pods");

    /// <summary>Node name written into Pods' <c>spec.nodeName</c>.</summary>
    public string NodeName { get; init; } = "metaevolve-dev";
}
