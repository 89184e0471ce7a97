using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MetaEvolve.DevCluster.Tests;

public sealed class WatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static V1ConfigMap Map(string name, string value = "v") =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["k"] = value } };

    [Fact]
    public async Task Watch_resumes_after_the_given_resource_version()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var first = await client.CoreV1.CreateNamespacedConfigMapAsync(Map("one"), "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Map("two"), "default", cancellationToken: Ct);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("one", "default", cancellationToken: Ct);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string)>();
        var response = client.CoreV1.WatchListNamespacedConfigMapAsync("default",
            resourceVersion: first.Metadata.ResourceVersion, cancellationToken: cts.Token);
        await foreach (var (type, item) in response)
        {
            seen.Add((type, item.Metadata.Name));
            if (seen.Count == 2)
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Added, "two"), (WatchEventType.Deleted, "one")], seen);
    }

    [Fact]
    public async Task Watch_without_resource_version_starts_with_existing_objects_then_streams_changes()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        await client.CoreV1.CreateNamespacedConfigMapAsync(Map("existing"), "default", cancellationToken: Ct);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string, string)>();
        var response = client.CoreV1.WatchListNamespacedConfigMapAsync("default", cancellationToken: cts.Token);
        await foreach (var (type, item) in response)
        {
            seen.Add((type, item.Metadata.Name, item.Data?["k"] ?? ""));
            if (seen.Count == 1)
            {
                var current = await client.CoreV1.ReadNamespacedConfigMapAsync("existing", "default", cancellationToken: Ct);
                current.Data["k"] = "changed";
                await client.CoreV1.ReplaceNamespacedConfigMapAsync(current, "existing", "default", cancellationToken: Ct);
            }
            else
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Added, "existing", "v"), (WatchEventType.Modified, "existing", "changed")], seen);
    }

    [Fact]
    public async Task Evicted_resource_version_gets_410_and_a_relist_recovers()
    {
        await using var host = await DevClusterHost.StartAsync(new DevClusterOptions { WatchHistory = 5 });
        var client = host.Client();
        var first = await client.CoreV1.CreateNamespacedConfigMapAsync(Map("early"), "default", cancellationToken: Ct);
        for (var i = 0; i < 10; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(Map($"later-{i}"), "default", cancellationToken: Ct);
        }

        var e = await Assert.ThrowsAsync<HttpOperationException>(async () =>
        {
            var response = client.CoreV1.WatchListNamespacedConfigMapAsync("default",
                resourceVersion: first.Metadata.ResourceVersion, cancellationToken: Ct);
            await foreach (var _ in response)
            {
                break;
            }
        });
        Assert.Equal(410, (int)e.Response.StatusCode);
        Assert.Contains("\"code\":410", e.Response.Content, StringComparison.Ordinal);

        var relist = await client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);
        Assert.Equal(11, relist.Items.Count);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        var resumed = client.CoreV1.WatchListNamespacedConfigMapAsync("default",
            resourceVersion: relist.Metadata.ResourceVersion, cancellationToken: cts.Token);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Map("after-relist"), "default", cancellationToken: Ct);
        await foreach (var (type, item) in resumed)
        {
            Assert.Equal(WatchEventType.Added, type);
            Assert.Equal("after-relist", item.Metadata.Name);
            break;
        }
    }

    [Fact]
    public async Task Field_selector_watch_sees_only_the_named_object_and_bookmarks_arrive()
    {
        await using var host = await DevClusterHost.StartAsync(new DevClusterOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        var client = host.Client();
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(20));
        var response = client.CoreV1.WatchListNamespacedConfigMapAsync("default", allowWatchBookmarks: true,
            fieldSelector: "metadata.name=wanted", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Map("other"), "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Map("wanted"), "default", cancellationToken: Ct);
        var seen = new List<(WatchEventType, string)>();
        await foreach (var (type, item) in response)
        {
            seen.Add((type, type == WatchEventType.Bookmark ? "" : item.Metadata.Name));
            if (seen.Contains((WatchEventType.Added, "wanted")) && seen.Exists(s => s.Item1 == WatchEventType.Bookmark))
            {
                break;
            }
        }

        Assert.DoesNotContain((WatchEventType.Added, "other"), seen);
    }

    [Fact]
    public async Task Watch_ends_after_timeout_seconds()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var started = DateTime.UtcNow;
        var response = client.CoreV1.WatchListNamespacedConfigMapAsync("default", timeoutSeconds: 1,
            resourceVersion: "1", cancellationToken: Ct);
        try
        {
            await foreach (var _ in response)
            {
                // Namespaces created at start are not config maps; nothing arrives.
            }
        }
        catch (HttpRequestException e) when (e.InnerException is EndOfStreamException)
        {
            // KubernetesClient reports a watch body that ended without a single event as EndOfStream;
            // the stream did end on time, which is what this test is about.
        }

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
    }
}
