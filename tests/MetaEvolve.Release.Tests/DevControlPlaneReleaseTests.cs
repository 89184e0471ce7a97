namespace MetaEvolve.Release.Tests;

/// <summary>
/// The release on the dev control plane (<c>make e2e-helm</c>, which prints the summary line). Left out of
/// <c>make test</c> (trait Run=e2e-helm): .ci/run runs it as a step of its own, after the other test projects.
/// </summary>
[Trait("Run", "e2e-helm")]
public sealed class DevControlPlaneReleaseTests(DevControlPlaneCluster cluster) : ReleaseLifecycleTests<DevControlPlaneCluster>(cluster);
