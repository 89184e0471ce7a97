namespace MetaEvolve.Release.Tests;

/// <summary>Tier 4: the same release steps on k3s in Docker; skipped, with the reason, where no Docker engine answers.</summary>
public sealed class K3sReleaseTests(K3sCluster cluster) : ReleaseLifecycleTests<K3sCluster>(cluster);
