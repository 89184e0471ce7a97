using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;

namespace MetaEvolve.DevCluster.Tests;

public sealed class LifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50, Ct);
        }

        return false;
    }

    private static async Task<bool> ExistsAsync(Func<Task> read)
    {
        try
        {
            await read();
            return true;
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode == 404)
        {
            return false;
        }
    }

    private static V1OwnerReference Owner(V1ConfigMap owner) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        BlockOwnerDeletion = true,
    };

    [Fact]
    public async Task Garbage_collection_removes_dependents_of_a_deleted_owner()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "child", OwnerReferences = [Owner(owner)] },
            StringData = new Dictionary<string, string> { ["k"] = "v" },
        }, "default", cancellationToken: Ct);
        var orphanOwner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "orphaning-owner" } }, "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "kept", OwnerReferences = [Owner(orphanOwner)] },
        }, "default", cancellationToken: Ct);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", "default", cancellationToken: Ct);
        Assert.True(await EventuallyAsync(async () => !await ExistsAsync(() => client.CoreV1.ReadNamespacedSecretAsync("child", "default", cancellationToken: Ct))),
            "the dependent Secret was not collected");

        await client.CoreV1.DeleteNamespacedConfigMapAsync("orphaning-owner", "default", propagationPolicy: "Orphan", cancellationToken: Ct);
        Assert.True(await EventuallyAsync(async () => !await ExistsAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync("orphaning-owner", "default", cancellationToken: Ct))));
        var kept = await client.CoreV1.ReadNamespacedConfigMapAsync("kept", "default", cancellationToken: Ct);
        Assert.Null(kept.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_dependents_are_gone()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "held-child", OwnerReferences = [Owner(owner)], Finalizers = ["test/hold"] },
        }, "default", cancellationToken: Ct);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", "default", propagationPolicy: "Foreground", cancellationToken: Ct);
        Assert.True(await EventuallyAsync(async () =>
            (await client.CoreV1.ReadNamespacedConfigMapAsync("held-child", "default", cancellationToken: Ct)).Metadata.DeletionTimestamp is not null));
        var waiting = await client.CoreV1.ReadNamespacedConfigMapAsync("owner", "default", cancellationToken: Ct);
        Assert.Contains("foregroundDeletion", waiting.Metadata.Finalizers);

        var child = await client.CoreV1.ReadNamespacedConfigMapAsync("held-child", "default", cancellationToken: Ct);
        child.Metadata.Finalizers = null;
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(child, "held-child", "default", cancellationToken: Ct);
        Assert.True(await EventuallyAsync(async () => !await ExistsAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync("owner", "default", cancellationToken: Ct))));
    }

    [Fact]
    public async Task Leader_election_with_two_lease_lock_electors_hands_over()
    {
        await using var host = await DevClusterHost.StartAsync();
        var leaders = new List<string>();
        var gate = new Lock();
        LeaderElector Elector(string identity) => new(new LeaderElectionConfig(new LeaseLock(host.Client(identity), "kube-system", "metaevolve-test", identity))
        {
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });

        using var a = Elector("a");
        using var b = Elector("b");
        foreach (var (elector, name) in new[] { (a, "a"), (b, "b") })
        {
            elector.OnStartedLeading += () =>
            {
                lock (gate)
                {
                    leaders.Add(name);
                }
            };
        }

        using var stopA = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var stopB = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var runA = a.RunUntilLeadershipLostAsync(stopA.Token);
        await Task.Delay(100, Ct);
        var runB = b.RunUntilLeadershipLostAsync(stopB.Token);
        Assert.True(await EventuallyAsync(() => Task.FromResult(leaders.Count >= 1)));
        await Task.Delay(2500, Ct);
        lock (gate)
        {
            Assert.Single(leaders);
        }

        var first = leaders[0];
        await (first == "a" ? stopA : stopB).CancelAsync();
        Assert.True(await EventuallyAsync(() => Task.FromResult(leaders.Count == 2), TimeSpan.FromSeconds(15)), "the second elector did not take over");
        Assert.NotEqual(first, leaders[1]);

        var lease = await host.Client().CoordinationV1.ReadNamespacedLeaseAsync("metaevolve-test", "kube-system", cancellationToken: Ct);
        Assert.Equal(leaders[1], lease.Spec.HolderIdentity);
        await stopA.CancelAsync();
        await stopB.CancelAsync();
        await Task.WhenAll(runA, runB).ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.Contains(host.Server.Requests.Snapshot(), r => r.User == "a" && r.Resource == "leases" && r.Verb is "get" or "create" or "update");
    }

    [Fact]
    public async Task Objects_and_resource_versions_survive_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("devcluster-persist-").FullName;
        var options = new DevClusterOptions { DataDirectory = Path.Combine(directory, "cluster") };
        string rvBefore;
        await using (var host = await DevClusterHost.StartAsync(options, directory))
        {
            var client = host.Client();
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "kept" } }, cancellationToken: Ct);
            var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = "durable" },
                Data = new Dictionary<string, string> { ["a"] = "1" },
            }, "kept", cancellationToken: Ct);
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "removed" } }, "kept", cancellationToken: Ct);
            await client.CoreV1.DeleteNamespacedConfigMapAsync("removed", "kept", cancellationToken: Ct);
            rvBefore = cm.Metadata.ResourceVersion;
        }

        await using (var host = await DevClusterHost.StartAsync(options, directory))
        {
            var client = host.Client();
            var cm = await client.CoreV1.ReadNamespacedConfigMapAsync("durable", "kept", cancellationToken: Ct);
            Assert.Equal("1", cm.Data["a"]);
            Assert.Equal(rvBefore, cm.Metadata.ResourceVersion);
            Assert.False(await ExistsAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync("removed", "kept", cancellationToken: Ct)));
            cm.Data["a"] = "2";
            var updated = await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "durable", "kept", cancellationToken: Ct);
            Assert.True(long.Parse(updated.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture)
                > long.Parse(rvBefore, System.Globalization.CultureInfo.InvariantCulture) + 1);
        }
    }

    [Fact]
    public async Task Deleting_a_crd_removes_its_objects_and_its_discovery_entry()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "widgets-crd.yaml"), Ct));
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: Ct);
        var established = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.test.metaevolve.io", cancellationToken: Ct);
        Assert.Contains(established.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Dictionary<string, object> { ["apiVersion"] = "test.metaevolve.io/v1", ["kind"] = "Widget", ["metadata"] = new Dictionary<string, object> { ["name"] = "w" }, ["spec"] = new Dictionary<string, object> { ["size"] = 1 } },
            "test.metaevolve.io", "v1", "default", "widgets", cancellationToken: Ct);

        await client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("widgets.test.metaevolve.io", cancellationToken: Ct);
        Assert.True(await EventuallyAsync(async () => !await ExistsAsync(() => client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.test.metaevolve.io", cancellationToken: Ct))));
        var groups = await client.Apis.GetAPIVersionsAsync(cancellationToken: Ct);
        Assert.DoesNotContain(groups.Groups, g => g.Name == "test.metaevolve.io");
        Assert.DoesNotContain(host.Server.Operations.Store.Snapshot(), p => p.Key.Resource.Resource == "widgets");
    }

    [Fact]
    public async Task System_namespaces_cannot_be_deleted()
    {
        await using var host = await DevClusterHost.StartAsync();
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => host.Client().CoreV1.DeleteNamespaceAsync("default", cancellationToken: Ct));
        Assert.Equal(403, (int)e.Response.StatusCode);
    }

    [Fact]
    public async Task Status_and_main_resource_ignore_each_others_halves_and_generation_follows_spec_only()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "widgets-crd.yaml"), Ct));
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: Ct);
        const string group = "test.metaevolve.io";
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, object>>("""
            {"apiVersion":"test.metaevolve.io/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1},"status":{"replicas":7}}
            """)!, group, "v1", "default", "widgets", cancellationToken: Ct);

        async Task<System.Text.Json.JsonElement> Read() => (System.Text.Json.JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync(group, "v1", "default", "widgets", "w", cancellationToken: Ct);
        async Task Patch(string json, bool status)
        {
            var patch = new V1Patch(json, V1Patch.PatchType.MergePatch);
            if (status)
            {
                await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, group, "v1", "default", "widgets", "w", cancellationToken: Ct);
            }
            else
            {
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, group, "v1", "default", "widgets", "w", cancellationToken: Ct);
            }
        }

        var created = await Read();
        Assert.False(created.TryGetProperty("status", out _), "status sent with create is dropped when the status subresource is on");
        Assert.Equal(1, created.GetProperty("metadata").GetProperty("generation").GetInt64());

        await Patch("""{"status":{"replicas":3},"spec":{"size":99}}""", status: true);
        var afterStatus = await Read();
        Assert.Equal(3, afterStatus.GetProperty("status").GetProperty("replicas").GetInt32());
        Assert.Equal(1, afterStatus.GetProperty("spec").GetProperty("size").GetInt32());
        Assert.Equal(1, afterStatus.GetProperty("metadata").GetProperty("generation").GetInt64());

        await Patch("""{"metadata":{"labels":{"a":"b"}},"status":{"replicas":0}}""", status: false);
        var afterLabel = await Read();
        Assert.Equal(3, afterLabel.GetProperty("status").GetProperty("replicas").GetInt32());
        Assert.Equal(1, afterLabel.GetProperty("metadata").GetProperty("generation").GetInt64());

        await Patch("""{"spec":{"size":2}}""", status: false);
        Assert.Equal(2, (await Read()).GetProperty("metadata").GetProperty("generation").GetInt64());
    }
}
