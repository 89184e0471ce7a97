using k8s.Models;
using MetaEvolve.Core.Regions;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;

namespace MetaEvolve.Operator.Regions;

/// <summary>What the operator already knows of one pool, for its <see cref="PoolHealth"/>: read from the caches and the
/// queue samples the reconciler and the queue monitor keep, so announcing costs no API or NATS request.</summary>
/// <param name="WantedReplicas">The Deployment's spec.replicas (what the operator or the autoscaler asks for).</param>
/// <param name="Lag">Pending plus in-flight tasks of the pool's consumer at the last reading (the autoscaling lag).</param>
/// <param name="Federation">spec.federation, only when the operator can follow it (the Federated condition is True).</param>
/// <param name="Suspended">spec.suspend: the pool runs nothing by choice, so it counts as unavailable — peers send it no
/// task, and with spec.federation its own tasks go to a peer after failoverAfterSeconds.</param>
public sealed record PoolReading(ObjectKey Pool, int ReadyWorkers, int WantedReplicas, long Lag, PoolFederation? Federation, bool Suspended = false)
{
    public bool HasWork => Lag > 0 || WantedReplicas > 0 || Suspended;

    /// <summary>The reading of <paramref name="pool"/> from its Deployment (null before it exists) and queue state. Pure.</summary>
    public static PoolReading From(V1Alpha1AgentPool pool, V1Deployment? deployment, PoolQueueState? queue, RegionSettings regions)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var federation = pool.Spec.Federation is { } spec && PoolFederationCondition.Evaluate(pool, regions) is { Federated: true }
            ? new PoolFederation([.. spec.Peers], spec.SpillOverLag, spec.FailoverAfterSeconds ?? AgentPoolDefaults.FailoverAfterSeconds)
            : null;
        return new PoolReading(ObjectKey.Of(pool), deployment?.Status?.ReadyReplicas ?? 0, deployment?.Spec?.Replicas ?? 0,
            queue?.Lag?.Lag ?? 0, federation, PoolDefaults.Suspended(pool));
    }
}
