using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.Release.Tests;

/// <summary>
/// What a platform team does with the chart, with the real helm and kubectl: install it, apply the samples and wait for
/// them to be Ready, call a skill through the release's gateway, upgrade (a rolling update of the operator and the
/// gateway) while tasks keep arriving — none lost —, delete the samples (their finalizers need the operator), uninstall,
/// and find nothing of the release left but the kept CRDs. Each cluster runs these same steps.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public abstract class ReleaseLifecycleTests<TCluster>(TCluster cluster) : IClassFixture<TCluster>
    where TCluster : class, IReleaseCluster
{
    private const string Release = "e2e";
    private const string ReleaseNamespace = "metaevolve-system";
    private const string SamplesNamespace = "e2e-samples";
    private const int DirectCalls = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_chart_installs_serves_upgrades_under_load_without_losing_a_task_and_uninstalls_clean()
    {
        await cluster.StartAsync(Ct);
        var tools = cluster.Tools;
        var apiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        await InstallAsync(tools, apiKey);
        var manifest = ReleaseObject.Parse(await tools.HelmAsync("get", "manifest", Release, "-n", ReleaseNamespace), ReleaseNamespace);

        await tools.KubectlAsync("create", "namespace", SamplesNamespace);
        await tools.KubectlAsync(["apply", "-n", SamplesNamespace, .. Samples()]);
        await tools.KubectlAsync("wait", "-n", SamplesNamespace, "--for=condition=Ready", "agentpools,agents,skills", "--all", "--timeout=300s");

        using var gateway = cluster.ServiceClient(ReleaseNamespace, $"{Release}-metaevolve-gateway", "http");
        gateway.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
        var tasks = new TaskCalls(gateway, SamplesNamespace);
        for (var i = 0; i < DirectCalls; i++)
        {
            var words = string.Join(' ', Enumerable.Repeat("word", i + 1));
            var done = await tasks.CallAsync($"direct-{i}", words, wait: true);
            Assert.Equal("succeeded", (string?)done["status"]);
            Assert.Equal((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)done["output"]?["result"]);
        }

        var accepted = await UpgradeUnderLoadAsync(tools, tasks);
        foreach (var id in accepted)
        {
            var done = await tasks.WaitAsync(id, TimeSpan.FromMinutes(3));
            Assert.True((string?)done["status"] == "succeeded", $"task {id} after the upgrade: {done.ToJsonString()}");
        }

        await tools.KubectlAsync(["delete", "-n", SamplesNamespace, "--wait=true", "--timeout=180s", .. Samples()]);
        Assert.Empty((await tools.KubectlAsync("get", "deployments,secrets", "-n", SamplesNamespace,
            "-l", "app.kubernetes.io/managed-by=metaevolve-operator", "-o", "name")).Trim());

        await tools.HelmAsync("uninstall", Release, "-n", ReleaseNamespace, "--wait", "--timeout=180s");
        await AssertNothingLeftButCrdsAsync(tools, manifest);

        var summary = $"e2e-helm: installed, {DirectCalls + accepted.Count} tasks ok, upgraded, uninstalled clean";
        TestContext.Current.SendDiagnosticMessage(summary);
        if (Environment.GetEnvironmentVariable("METAEVOLVE_E2E_SUMMARY") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, summary + "\n", Ct);
        }
    }

    private async Task InstallAsync(ClusterTools tools, string apiKey)
    {
        await tools.KubectlAsync("create", "namespace", ReleaseNamespace);
        await tools.KubectlAsync("-n", ReleaseNamespace, "create", "secret", "generic", "metaevolve-postgres",
            "--from-literal=connectionString=" + cluster.PostgresConnectionString);

        // A NATS root and a store schema of this run's own: the local servers may also hold a developer's `make run`.
        var values = new List<string>
        {
            "--set", "connections.nats.root=" + TestPrefix.NewNatsRoot("e2e"),
            "--set", "connections.postgres.schema=" + TestPrefix.New("e2e"),
            "--set-json", "gateway.apiKeys.keys=" + new JsonArray(new JsonObject
            {
                ["name"] = "e2e",
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey))),
                ["namespaces"] = new JsonArray(SamplesNamespace),
            }).ToJsonString(),
        };
        foreach (var (name, value) in cluster.ConnectionValues)
        {
            values.AddRange(["--set", $"{name}={value}"]);
        }

        await tools.HelmAsync(["install", Release, RepositoryRoot.Combine("charts", "metaevolve"), "-n", ReleaseNamespace, .. cluster.HelmArguments, .. values]);
        await WaitForReleaseAsync(tools);
    }

    private static async Task WaitForReleaseAsync(ClusterTools tools)
    {
        foreach (var component in new[] { "operator", "gateway" })
        {
            await tools.KubectlAsync("-n", ReleaseNamespace, "rollout", "status", $"deployment/{Release}-metaevolve-{component}", "--timeout=300s");
        }

        await tools.KubectlAsync("wait", "--for=condition=Available", "apiservice/v1beta1.external.metrics.k8s.io", "--timeout=180s");
    }

    /// <summary>
    /// Submits tasks without pause while <c>helm upgrade</c> rolls the operator and the gateway, until both rollouts are
    /// done; returns the id of every accepted task. A submission the rolling gateway drops is sent again under the
    /// same Idempotency-Key, so it is accepted once.
    /// </summary>
    private async Task<List<string>> UpgradeUnderLoadAsync(ClusterTools tools, TaskCalls tasks)
    {
        var accepted = new List<string>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var load = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var task = await tasks.CallAsync($"upgrade-{i}", "one two three", wait: false, retryUntil: DateTime.UtcNow + TimeSpan.FromMinutes(2));
                accepted.Add((string)task["id"]!);
            }
        }, CancellationToken.None);

        await tools.HelmAsync(["upgrade", Release, RepositoryRoot.Combine("charts", "metaevolve"), "-n", ReleaseNamespace, "--reuse-values",
            .. cluster.HelmArguments, "--set-string", "operator.podAnnotations.e2e-upgrade=1", "--set-string", "gateway.podAnnotations.e2e-upgrade=1"]);
        await WaitForReleaseAsync(tools);
        await stop.CancelAsync();
        await load;

        var revision = await tools.HelmAsync("history", Release, "-n", ReleaseNamespace, "-o", "json");
        Assert.Equal(2, JsonNode.Parse(revision)!.AsArray().Count);
        Assert.True(accepted.Count > 0, "no task was accepted during the upgrade");
        return accepted;
    }

    private static async Task AssertNothingLeftButCrdsAsync(ClusterTools tools, IReadOnlyList<ReleaseObject> manifest)
    {
        foreach (var o in manifest)
        {
            var found = (await tools.KubectlAsync(o.GetArguments())).Trim();
            if (o.Kind == "CustomResourceDefinition")
            {
                Assert.True(found.Length > 0, $"the CRD {o.Name} is gone, but the chart keeps it (helm.sh/resource-policy: keep)");
            }
            else
            {
                Assert.True(found.Length == 0, $"{o.Kind} {o.Namespace}/{o.Name} is left after helm uninstall");
            }
        }

        // Pods are not in the manifest; their Deployments' garbage collection ends them after their grace period.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        string pods;
        while ((pods = (await tools.KubectlAsync("get", "pods", "-n", ReleaseNamespace, "-o", "name")).Trim()).Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"pods of the release are left after helm uninstall:\n{pods}");
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        }
    }

    /// <summary>The samples as a user applies them (<c>kubectl apply -f samples/</c>), the Argo CD folder aside.</summary>
    private static string[] Samples() =>
        [.. Directory.GetFiles(RepositoryRoot.Combine("samples"), "*.yaml").Order(StringComparer.Ordinal).SelectMany(file => new[] { "-f", file })];
}
