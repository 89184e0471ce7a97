using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

/// <summary>
/// Where a pool's tasks go when it cannot take them: the same-named pool of another region (NATS leafnodes, one
/// JetStream domain per region). The operator checks the peers against its own region and METAEVOLVE_PEERS and
/// says so in the pool's Federated condition.
/// </summary>
public sealed class AgentPoolFederation
{
    /// <summary>A region's name: a JetStream domain, a subject token and part of consumer names (as METAEVOLVE_REGION).</summary>
    public const string RegionPattern = "^[a-z][a-z0-9-]{0,31}$";

    [Required, MinLength(1), MaxLength(8), ListSet, ItemPattern(RegionPattern)]
    [Description("Regions whose same-named pool takes this pool's tasks, in order of preference: the first whose pool is healthy gets them. "
        + "Each must be one of the operator's METAEVOLVE_PEERS and not its own region.")]
    public IList<string> Peers { get; set; } = [];

    [Range(1, 1_000_000_000)]
    [Description("Queue lag (pending plus in-flight tasks) above which new tasks go to a peer while this region keeps working through its queue; absent, tasks go to a peer only on failover.")]
    public long? SpillOverLag { get; set; }

    [Range(1, int.MaxValue), SchemaDefault(AgentPoolDefaults.FailoverAfterSeconds)]
    [Description("Seconds the pool may have work and no ready worker before new tasks go to a peer and its queued tasks move there.")]
    public int? FailoverAfterSeconds { get; set; }
}
