namespace MetaEvolve.DevCluster.Tests;

/// <summary>Real kubectl binaries, oldest and newest supported, against the dev control plane.</summary>
public sealed class KubectlConformanceTests
{
    public static TheoryData<int> Versions => [27, 33];

    static string Widgets => Path.Combine(AppContext.BaseDirectory, "TestData", "widgets-crd.yaml");

    static async Task<(DevClusterHost Host, Kubectl Kubectl)> StartAsync(int minor)
    {
        var binary = Kubectl.Binary(minor);
        var host = await DevClusterHost.StartAsync();
        var kubectl = new Kubectl(binary, host);
        kubectl.ToString();
        (await kubectl.RunAsync("apply", "-f", Widgets)).Ok();
        return (host, kubectl);
    }

    static string Widget(string name, int size, string? color = null) => $"""
        apiVersion: test.metaevolve.io/v1
        kind: Widget
        metadata:
          name: {name}
        spec:
          size: {size}
          replicas: 1
        {(color is null ? "" : $"  color: {color}")}
        """;

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Apply_reports_created_configured_and_unchanged(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        Assert.Contains("widget.test.metaevolve.io/w1 created", (await kubectl.RunWithInputAsync(Widget("w1", 3), "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Contains("widget.test.metaevolve.io/w1 unchanged", (await kubectl.RunWithInputAsync(Widget("w1", 3), "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Contains("widget.test.metaevolve.io/w1 configured", (await kubectl.RunWithInputAsync(Widget("w1", 5, "red"), "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        var json = (await kubectl.RunAsync("get", "widget", "w1", "-o", "jsonpath={.spec.size}/{.spec.color}/{.metadata.generation}")).Ok();
        Assert.Equal("5/red/2", json);

        // Client-side apply of built-ins uses strategic merge patches.
        const string cm = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              a: "1"
            """;
        Assert.Contains("configmap/settings created", (await kubectl.RunWithInputAsync(cm, "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Contains("configmap/settings configured", (await kubectl.RunWithInputAsync(cm.Replace("\"1\"", "\"2\"", StringComparison.Ordinal), "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Equal("2", (await kubectl.RunAsync("get", "configmap", "settings", "-o", "jsonpath={.data.a}")).Ok());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Get_prints_printer_columns(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        (await kubectl.RunWithInputAsync(Widget("w1", 7), "apply", "-f", "-")).Ok();
        var table = (await kubectl.RunAsync("get", "widgets")).Ok();
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+SIZE\s+READY\s+AGE\s*$", lines[0]);
        Assert.Matches(@"^w1\s+7\s+(\S+\s+)?\d+s\s*$", lines[1]);

        var shortName = (await kubectl.RunAsync("get", "wd", "-A")).Ok();
        Assert.Contains("NAMESPACE", shortName, StringComparison.Ordinal);
        Assert.Contains("default", shortName, StringComparison.Ordinal);

        var yaml = (await kubectl.RunAsync("get", "widget", "w1", "-o", "yaml")).Ok();
        Assert.Contains("kind: Widget", yaml, StringComparison.Ordinal);
        Assert.Contains("size: 7", yaml, StringComparison.Ordinal);
        var json = (await kubectl.RunAsync("get", "widgets", "-o", "json")).Ok();
        Assert.Contains("\"kind\": \"List\"", json, StringComparison.Ordinal);

        var namespaces = (await kubectl.RunAsync("get", "namespaces")).Ok();
        Assert.Matches(@"default\s+Active", namespaces);
    }
}
