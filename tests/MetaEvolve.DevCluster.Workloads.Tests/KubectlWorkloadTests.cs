using System.Diagnostics;
using System.Text;
using k8s;
using MetaEvolve.DevCluster.Tests;
using static MetaEvolve.DevCluster.Workloads.Tests.WorkloadCluster;

namespace MetaEvolve.DevCluster.Workloads.Tests;

/// <summary>Real kubectl 1.27 and 1.33 see the runner's replicas, their logs (also followed) and the aggregated API.</summary>
public sealed class KubectlWorkloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<List<string>> ReadyPods(Kubernetes client, string app, int count)
    {
        await Eventually(async () =>
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(app, "default", cancellationToken: Ct);
            return d.Status?.ReadyReplicas == count && d.Status.Replicas == count;
        }, $"{count} ready {app} replicas");
        return (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"app={app}", cancellationToken: Ct)).Items
            .Select(p => p.Metadata.Name).ToList();
    }

    [Theory]
    [InlineData(27)]
    [InlineData(33)]
    public async Task Kubectl_get_pods_and_describe_show_the_runners_replicas(int minor)
    {
        var binary = Kubectl.Binary(minor);
        await using var cluster = await StartAsync();
        var kubectl = new Kubectl(binary, cluster.Host);
        var client = cluster.Client();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("hello", 2, "k" + Guid.NewGuid().ToString("N")[..10]), "default", cancellationToken: Ct);
        var pods = await ReadyPods(client, "hello", 2);

        var table = (await kubectl.RunAsync("get", "pods")).Ok();
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE", lines[0]);
        foreach (var pod in pods)
        {
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^{pod}\s+1/1\s+Running\s+0\s+\d+s"));
        }

        var deployments = (await kubectl.RunAsync("get", "deployments")).Ok();
        Assert.Matches(@"hello\s+2/2\s+2\s+2\s+\d+s", deployments);
        var describe = (await kubectl.RunAsync("describe", "deployment", "hello")).Ok();
        Assert.Contains("2 desired | 2 updated | 2 total | 2 available | 0 unavailable", describe, StringComparison.Ordinal);
        Assert.Matches(@"Available\s+True\s+MinimumReplicasAvailable", describe);
        await client.CoreV1.CreateNamespacedServiceAsync(new k8s.Models.V1Service
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "hello" },
            Spec = new k8s.Models.V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "hello" },
                Ports = [new k8s.Models.V1ServicePort { Port = 80, TargetPort = "http" }],
            },
        }, "default", cancellationToken: Ct);
        await Eventually(async () => System.Text.RegularExpressions.Regex.IsMatch((await kubectl.RunAsync("get", "endpoints", "hello")).Ok(),
            @"NAME\s+ENDPOINTS\s+AGE\s+hello\s+127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\s+\d+s"), "kubectl get endpoints lists both replicas' addresses");
        var describePod = (await kubectl.RunAsync("describe", "pod", pods[0])).Ok();
        Assert.Matches(@"Status:\s+Running", describePod);
        Assert.Matches(@"Controlled By:\s+Deployment/hello", describePod);
    }

    [Theory]
    [InlineData(27)]
    [InlineData(33)]
    public async Task Kubectl_logs_prints_and_follows_a_replicas_output(int minor)
    {
        var binary = Kubectl.Binary(minor);
        await using var cluster = await StartAsync();
        var kubectl = new Kubectl(binary, cluster.Host);
        var client = cluster.Client();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("chatty", 1, "c" + Guid.NewGuid().ToString("N")[..10]), "default", cancellationToken: Ct);
        var pod = (await ReadyPods(client, "chatty", 1)).Single();

        var logs = (await kubectl.RunAsync("logs", pod)).Ok();
        Assert.Contains($"workload {pod} pid", logs, StringComparison.Ordinal);
        Assert.Contains($"workload {pod} pid", (await kubectl.RunAsync("logs", "deployment/chatty", "--tail=1")).Ok(), StringComparison.Ordinal);

        // Follow: lines written after kubectl attached arrive, and the stream ends with the container.
        var home = Path.Combine(cluster.Host.Directory, "home-" + Path.GetFileName(binary));
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--kubeconfig", Path.Combine(home, "kubeconfig"), "--cache-dir", Path.Combine(home, "cache"), "logs", "-f", pod })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["HOME"] = home;
        using var follow = Process.Start(info)!;
        var output = new StringBuilder();
        var gate = new Lock();
        follow.OutputDataReceived += (_, e) =>
        {
            lock (gate)
            {
                output.AppendLine(e.Data);
            }
        };
        follow.BeginOutputReadLine();
        string Seen()
        {
            lock (gate)
            {
                return output.ToString();
            }
        }

        try
        {
            await Eventually(() => Seen().Contains($"workload {pod} pid", StringComparison.Ordinal), "kubectl logs -f printed the history");
            var port = ReplicaPortsOf(await client.CoreV1.ReadNamespacedPodAsync(pod, "default", cancellationToken: Ct));
            using var http = new HttpClient();
            await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/say/followed-{minor}"), Ct);
            await Eventually(() => Seen().Contains($"say followed-{minor}", StringComparison.Ordinal), "the new line streamed");

            await client.AppsV1.DeleteNamespacedDeploymentAsync("chatty", "default", cancellationToken: Ct);
            await Eventually(() => follow.HasExited, "kubectl logs -f ends when the container stops");
            Assert.Contains("SIGTERM received, exiting", Seen(), StringComparison.Ordinal);
        }
        finally
        {
            if (!follow.HasExited)
            {
                follow.Kill();
            }
        }
    }

    private static int ReplicaPortsOf(k8s.Models.V1Pod pod) => ReplicaPorts.FromPod(DeploymentRunnerTests.JsonOf(pod)).HostPorts[8080];

    [Theory]
    [InlineData(27)]
    [InlineData(33)]
    public async Task Kubectl_sees_the_aggregated_external_metrics_api(int minor)
    {
        var binary = Kubectl.Binary(minor);
        await using var cluster = await StartAsync();
        var kubectl = new Kubectl(binary, cluster.Host);
        await MetricsAdapter.DeployAsync(cluster.Client(), cluster.Host.Directory, "1500m", Ct);

        Assert.Contains("external.metrics.k8s.io/v1beta1", (await kubectl.RunAsync("api-versions")).Ok(), StringComparison.Ordinal);
        Assert.Matches(@"v1beta1\.external\.metrics\.k8s\.io\s+default/metrics\s+True", (await kubectl.RunAsync("get", "apiservices")).Ok());
        var raw = (await kubectl.RunAsync("get", "--raw", "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_lag?labelSelector=pool%3Da")).Ok();
        var list = System.Text.Json.Nodes.JsonNode.Parse(raw)!;
        Assert.Equal("ExternalMetricValueList", (string?)list["kind"]);
        Assert.Equal("1500m", (string?)list["items"]![0]!["value"]);
        // The adapter is told who asked (X-Remote-User), as behind the real aggregator: kubectl's kubeconfig user.
        var metricsPod = (await cluster.Client().CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=metrics", cancellationToken: Ct)).Items.Single();
        var adapterLog = (await kubectl.RunAsync("logs", metricsPod.Metadata.Name)).Ok();
        Assert.True(adapterLog.Contains("metric default/queue_lag selector=pool=a user=kubectl-user value=1500m", StringComparison.Ordinal), adapterLog);
    }
}
