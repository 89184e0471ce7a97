using MetaEvolve.Operator.Pools;

namespace MetaEvolve.Operator.Scaling;

/// <summary>
/// The External metric the operator serves and its HPAs ask for: one series per pool, labelled with the pool's name,
/// valued at the pool's queue lag.
/// </summary>
public static class QueueLagMetric
{
    public const string Name = "metaevolve_pool_queue_lag";

    /// <summary>The series label naming the pool; the HPA selects <c>metaevolve.io/pool=&lt;name&gt;</c>.</summary>
    public const string PoolLabel = PoolNames.PoolLabel;
}
