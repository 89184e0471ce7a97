using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MetaEvolve.DevCluster.Tests;

public sealed class ClientBasicsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Created_configmap_reads_back_with_server_fields()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["a"] = "1" } },
            "default", cancellationToken: Ct);

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        var read = await client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default", cancellationToken: Ct);
        Assert.Equal("1", read.Data["a"]);
        Assert.Equal(created.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Stale_update_gets_409_conflict()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "race" }, Data = new Dictionary<string, string> { ["n"] = "0" } },
            "default", cancellationToken: Ct);

        var first = await client.CoreV1.ReadNamespacedConfigMapAsync("race", "default", cancellationToken: Ct);
        var second = await client.CoreV1.ReadNamespacedConfigMapAsync("race", "default", cancellationToken: Ct);
        first.Data["n"] = "1";
        second.Data["n"] = "2";
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(first, "race", "default", cancellationToken: Ct);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CoreV1.ReplaceNamespacedConfigMapAsync(second, "race", "default", cancellationToken: Ct));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", e.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_name_is_rejected_with_the_field_path()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "Bad_Name" } }, "default", cancellationToken: Ct));
        Assert.Equal(422, (int)e.Response.StatusCode);
        Assert.Contains("metadata.name", e.Response.Content, StringComparison.Ordinal);
        Assert.Contains("RFC 1123", e.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Objects_need_an_existing_namespace()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, "nowhere", cancellationToken: Ct));
        Assert.Equal(404, (int)e.Response.StatusCode);
        var namespaces = await client.CoreV1.ListNamespaceAsync(cancellationToken: Ct);
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default");
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
    }

    [Fact]
    public async Task List_pages_with_limit_and_continue_and_filters_by_label()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = $"cm-{i}", Labels = new Dictionary<string, string> { ["parity"] = i % 2 == 0 ? "even" : "odd" } },
            }, "default", cancellationToken: Ct);
        }

        var page1 = await client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 2, cancellationToken: Ct);
        Assert.Equal(2, page1.Items.Count);
        Assert.False(string.IsNullOrEmpty(page1.Metadata.ContinueProperty));
        var page2 = await client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 2, continueParameter: page1.Metadata.ContinueProperty, cancellationToken: Ct);
        Assert.Equal(["cm-2", "cm-3"], page2.Items.Select(c => c.Metadata.Name));

        var odd = await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "parity=odd", cancellationToken: Ct);
        Assert.Equal(["cm-1", "cm-3"], odd.Items.Select(c => c.Metadata.Name));
        var notEven = await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "parity notin (even)", cancellationToken: Ct);
        Assert.Equal(2, notEven.Items.Count);
    }
}
