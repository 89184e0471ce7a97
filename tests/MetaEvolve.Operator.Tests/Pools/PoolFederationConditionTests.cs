using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Runtime;
using static MetaEvolve.Operator.Tests.Pools.PoolFixtures;

namespace MetaEvolve.Operator.Tests.Pools;

public class PoolFederationConditionTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly RegionSettings RegionA = new("a", ["b", "c"]);

    private static V1Alpha1AgentPool Federated(params string[] peers) =>
        Pool(spec => spec.Federation = new AgentPoolFederation { Peers = peers });

    private static k8s.Models.V1Condition? FederatedCondition(V1Alpha1AgentPool pool, RegionSettings regions) =>
        Conditions.Find(PoolStatusBuilder.Build(pool, new PoolObservation(null, null, []), Now, regions).Conditions, ConditionTypes.Federated);

    [Fact]
    public void A_pool_whose_peers_are_the_operators_peers_is_federated_and_shows_its_region()
    {
        var status = PoolStatusBuilder.Build(Federated("c", "b"), new PoolObservation(null, null, []), Now, RegionA);

        Assert.Equal("a", status.Region);
        var condition = Conditions.Find(status.Conditions, ConditionTypes.Federated);
        Assert.Equal((Conditions.True, ConditionReasons.PeersConfigured), (condition?.Status, condition?.Reason));
    }

    [Fact]
    public void Federation_without_a_region_of_the_operator_is_refused()
    {
        var condition = FederatedCondition(Federated("b"), RegionSettings.None);

        Assert.Equal((Conditions.False, ConditionReasons.RegionNotSet), (condition?.Status, condition?.Reason));
        Assert.Contains("METAEVOLVE_REGION", condition!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_that_is_the_operators_own_region_is_named_by_its_index()
    {
        var condition = FederatedCondition(Federated("b", "a"), RegionA);

        Assert.Equal((Conditions.False, ConditionReasons.PeerIsOwnRegion), (condition?.Status, condition?.Reason));
        Assert.StartsWith("spec.federation.peers[1] is 'a'", condition!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_the_operator_is_not_linked_to_is_named_by_its_index()
    {
        var condition = FederatedCondition(Federated("b", "c", "d"), RegionA);

        Assert.Equal((Conditions.False, ConditionReasons.UnknownPeer), (condition?.Status, condition?.Reason));
        Assert.Contains("spec.federation.peers[2] is 'd'", condition!.Message, StringComparison.Ordinal);
        Assert.Contains("METAEVOLVE_PEERS: b, c", condition.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pool_without_federation_has_no_federated_condition_and_a_stale_one_goes()
    {
        var pool = Federated("b");
        pool.Status.Conditions = PoolStatusBuilder.Build(pool, new PoolObservation(null, null, []), Now, RegionA).Conditions;
        pool.Spec.Federation = null;

        Assert.Null(FederatedCondition(pool, RegionA));
        Assert.Null(FederatedCondition(Pool(), RegionSettings.None));
    }
}
