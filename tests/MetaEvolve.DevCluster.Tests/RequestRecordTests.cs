using k8s;
using k8s.Models;

namespace MetaEvolve.DevCluster.Tests;

public sealed class RequestRecordTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_request_is_recorded_with_user_verb_and_resource()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client("system:serviceaccount:metaevolve:operator");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "default", cancellationToken: Ct);
        await client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"b"}}""", V1Patch.PatchType.MergePatch), "c", "default", cancellationToken: Ct);
        await client.CoreV1.DeleteCollectionNamespacedConfigMapAsync("default", cancellationToken: Ct);
        await client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: Ct);

        var records = host.Server.Requests.ForUser("system:serviceaccount:metaevolve:operator");
        Assert.Equal(
            [("create", "", "configmaps", "default"), ("list", "", "configmaps", "default"), ("patch", "", "configmaps", "default"),
             ("deletecollection", "", "configmaps", "default"), ("list", "apps", "deployments", (string?)null)],
            records.Select(r => (r.Verb, r.Group, r.Resource, r.Namespace)));
        Assert.Equal("c", records[2].Name);
        Assert.Empty(await client.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: Ct) is { } list ? list.Items : []);
    }

    [Fact]
    public async Task Server_side_apply_is_refused_with_a_clear_415()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "default", cancellationToken: Ct);
        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}""", V1Patch.PatchType.ApplyPatch), "c", "default",
            fieldManager: "test", cancellationToken: Ct));
        Assert.Equal(415, (int)e.Response.StatusCode);
        Assert.Contains("server-side apply is not served by the dev control plane: use client-side apply "
            + "(kubectl apply without --server-side; helm --server-side=false)", e.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_records_are_appended_to_a_file_when_asked()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("devcluster-requests-").FullName, "requests.jsonl");
        await using (var host = await DevClusterHost.StartAsync(new DevClusterOptions { RequestLogPath = path }))
        {
            await host.Client("alice").CoreV1.ListNamespaceAsync(cancellationToken: Ct);
        }

        var line = Assert.Single(File.ReadAllLines(path), l => l.Contains("\"user\":\"alice\"", StringComparison.Ordinal));
        Assert.Contains("\"verb\":\"list\"", line, StringComparison.Ordinal);
        Assert.Contains("\"resource\":\"namespaces\"", line, StringComparison.Ordinal);
    }
}
