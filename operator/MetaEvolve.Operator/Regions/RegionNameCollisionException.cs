namespace MetaEvolve.Operator.Regions;

/// <summary>
/// This operator's region name is already in use by a peer: its durable names (<c>&lt;region&gt;_pool-…</c>) would be
/// the peer's, and acks carry no domain, so one region's acks would delete the other's tasks. The operator does not start.
/// </summary>
public sealed class RegionNameCollisionException(string message) : Exception(message);
