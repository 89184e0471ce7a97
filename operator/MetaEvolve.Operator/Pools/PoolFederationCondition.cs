using MetaEvolve.Crds;
using MetaEvolve.Operator.Regions;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// The Federated condition of a pool with <c>spec.federation</c>: False when this operator cannot send its tasks to the
/// peers it names (no region of its own, its own region named as a peer, a peer it is not linked to), naming the field
/// at fault. Pure. A pool without <c>spec.federation</c> has no such condition. The schema already refused malformed
/// and repeated names, so this checks only what the schema cannot know: the operator's configuration.
/// </summary>
public static class PoolFederationCondition
{
    public sealed record Verdict(bool Federated, string Reason, string Message);

    public static Verdict? Evaluate(V1Alpha1AgentPool pool, RegionSettings regions)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(regions);
        if (pool.Spec.Federation is not { } federation)
        {
            return null;
        }

        if (regions.Region is not { } region)
        {
            return new(false, ConditionReasons.RegionNotSet,
                "spec.federation is set but the operator has no region (METAEVOLVE_REGION): tasks of this pool stay here");
        }

        var peers = federation.Peers ?? [];
        for (var i = 0; i < peers.Count; i++)
        {
            if (peers[i] == region)
            {
                return new(false, ConditionReasons.PeerIsOwnRegion,
                    $"spec.federation.peers[{i}] is '{peers[i]}', this operator's own region: peers are other regions");
            }

            if (!regions.Peers.Contains(peers[i], StringComparer.Ordinal))
            {
                var known = regions.Peers.Count == 0 ? "none" : string.Join(", ", regions.Peers);
                return new(false, ConditionReasons.UnknownPeer,
                    $"spec.federation.peers[{i}] is '{peers[i]}', not one of the peers region '{region}' is linked to (METAEVOLVE_PEERS: {known})");
            }
        }

        return new(true, ConditionReasons.PeersConfigured, $"tasks may go to {string.Join(", ", peers)} (in that order)");
    }
}
