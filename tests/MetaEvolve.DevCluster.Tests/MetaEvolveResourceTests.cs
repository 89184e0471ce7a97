using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>The project's own CRDs, samples and invalid manifests through real kubectl.</summary>
public sealed class MetaEvolveResourceTests
{
    public static TheoryData<int> Versions => [27, 33];

    private static async Task<(DevClusterHost Host, Kubectl Kubectl)> StartAsync(int minor)
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
        Assert.Matches(@"^NAMESPACE\s+NAME\s+MODE\s+MIN\s+MAX\s+READY\s+DESIRED\s+PENDING\s+INFLIGHT\s+STATUS\s+REGION\s+AGE\s*$", pools[0]);
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

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Every_invalid_manifest_is_rejected_with_its_field_path(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        (await kubectl.RunAsync("apply", "-f", RepositoryRoot.Combine("samples"))).Ok();
        var problems = new List<string>();
        var files = Directory.GetFiles(RepositoryRoot.Combine("tests", "manifests", "invalid"), "*.yaml").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var header = File.ReadLines(file).TakeWhile(l => l.StartsWith('#')).ToList();
            string? Value(string key) => header.Where(l => l.StartsWith($"# {key}:", StringComparison.Ordinal)).Select(l => l[(key.Length + 3)..].Trim()).FirstOrDefault();
            var expected = Value("expect")!;
            var message = Value("message");
            var result = await kubectl.RunAsync("apply", "-f", file);

            // A root-level rule's error has no field: the server names it "<nil>". Map keys print as
            // limits[cpu] (field.Path) where the manifests may say limits.cpu (kube-openapi's wording).
            var stderr = System.Text.RegularExpressions.Regex.Replace(result.Stderr, @"\[([^\]0-9][^\]]*)\]", ".$1");
            var field = expected == "<root>" ? "<nil>" : expected;
            if (result.ExitCode == 0 || !(stderr.Contains(field + ":", StringComparison.Ordinal) || stderr.Contains($"unknown field \"{field}\"", StringComparison.Ordinal))
                || (message is not null && !result.Stderr.Contains(message, StringComparison.Ordinal)))
            {
                problems.Add($"{Path.GetFileName(file)} (expect {expected}): exit {result.ExitCode}: {result.Stderr.Trim()}");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Invalid_agentpool_reads_like_a_real_server(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        const string pool = """
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: broken
            spec:
              autoscaling:
                maxReplicas: 0
            """;
        var error = (await kubectl.RunWithInputAsync(pool, "apply", "-f", "-")).Failed();
        Assert.Contains("The AgentPool \"broken\" is invalid: ", error, StringComparison.Ordinal);
        Assert.Contains("spec.autoscaling.maxReplicas: Invalid value: 0: spec.autoscaling.maxReplicas in body should be greater than or equal to 1", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Agentpool_scales_through_its_scale_subresource(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        (await kubectl.RunAsync("apply", "-f", RepositoryRoot.Combine("samples", "agentpool.yaml"))).Ok();
        Assert.Contains("scaled", (await kubectl.RunAsync("scale", "agentpool", "general", "--replicas=3")).Ok(), StringComparison.Ordinal);
        Assert.Equal("3", (await kubectl.RunAsync("get", "agentpool", "general", "-o", "jsonpath={.spec.replicas}")).Ok());
    }

    public static TheoryData<int> MiddleVersions => [28, 29, 30, 31, 32];

    [Theory]
    [MemberData(nameof(MiddleVersions))]
    public async Task Every_kubectl_in_between_applies_lists_explains_and_rejects(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        Assert.Contains("agentpool.metaevolve.io/general created", (await kubectl.RunAsync("apply", "-f", RepositoryRoot.Combine("samples"))).Ok(), StringComparison.Ordinal);
        Assert.Contains("unchanged", (await kubectl.RunAsync("apply", "-f", RepositoryRoot.Combine("samples", "agentpool.yaml"))).Ok(), StringComparison.Ordinal);
        Assert.Matches(@"general\s+Hpa\s+1\s+5", (await kubectl.RunAsync("get", "agentpools", "-A")).Ok());
        Assert.Contains("maxReplicas", (await kubectl.RunAsync("explain", "agentpool.spec.autoscaling")).Ok(), StringComparison.Ordinal);
        Assert.Contains("spec.concurrency", (await kubectl.RunAsync("apply", "-f", RepositoryRoot.Combine("tests", "manifests", "invalid", "pool-concurrency-zero.yaml"))).Failed(), StringComparison.Ordinal);
        Assert.Contains("deleted", (await kubectl.RunAsync("delete", "-f", RepositoryRoot.Combine("samples"))).Ok(), StringComparison.Ordinal);
    }
}
