namespace MetaEvolve.Core.Tasks;

/// <summary>What one pass of <see cref="TaskPartitionMaintenance"/> did: partitions created, dropped, and held past retention.</summary>
public sealed record TaskPartitionUpkeep(int Created, IReadOnlyList<string> Dropped, IReadOnlyList<HeldTaskPartition> Held);
