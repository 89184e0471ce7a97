namespace MetaEvolve.DevCluster.Tests;

/// <summary>The project's own CRDs, samples and invalid manifests through real kubectl.</summary>
public sealed class MetaEvolveResourceTests
{
    public static TheoryData<int> Versions => [27, 33];

    public static TheoryData<string> InvalidManifests =>
        new(Directory.GetFiles(RepositoryRoot.Combine("tests", "manifests", "invalid"), "*.yaml").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!);

    static async Task<(DevClusterHost Host, Kubectl Kubectl)> StartAsync(int minor)
    {
        var binary = Kubectl.Binary(minor);
        var host = await DevClusterHost.StartAsync();
        var kubectl = new Kubectl(binary, host);
        (await kubectl.RunAsync("apply", "-f", RepositoryRoot.Combine("crds"))).Ok();
        return (host, kubectl);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Samples_apply_and_list_with_printer_columns(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        var applied = (await kubectl.RunAsync("apply", "-f", RepositoryRoot.Combine("samples"))).Ok();
        Assert.Contains("agentpool.metaevolve.io/general created", applied, StringComparison.Ordinal);
        Assert.Contains("unchanged", (await kubectl.RunAsync("apply", "-f", RepositoryRoot.Combine("samples"))).Ok(), StringComparison.Ordinal);

        var pools = (await kubectl.RunAsync("get", "agentpools", "-A")).Ok().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAMESPACE\s+NAME\s+MODE\s+MIN\s+MAX\s+READY\s+DESIRED\s+PENDING\s+INFLIGHT\s+STATUS\s+AGE\s*$", pools[0]);
        Assert.Matches(@"^default\s+general\s+Hpa\s+1\s+5\s+.*\d+s\s*$", pools[1]);
        (await kubectl.RunAsync("get", "agents,skills")).Ok();
        Assert.Contains("general", (await kubectl.RunAsync("get", "ap")).Ok(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Explain_shows_agentpool_descriptions(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        var spec = (await kubectl.RunAsync("explain", "agentpool.spec")).Ok();
        Assert.Contains("autoscaling", spec, StringComparison.Ordinal);
        var autoscaling = (await kubectl.RunAsync("explain", "agentpool.spec.autoscaling")).Ok();
        Assert.Contains("maxReplicas", autoscaling, StringComparison.Ordinal);
        Assert.Contains("KIND:", autoscaling, StringComparison.Ordinal);
    }
}
