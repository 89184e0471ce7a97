using System.Diagnostics;
using k8s;
using k8s.Models;
using static MetaEvolve.DevCluster.Workloads.Tests.WorkloadCluster;

namespace MetaEvolve.DevCluster.Workloads.Tests;

public sealed class DeploymentRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Marker() => "t" + Guid.NewGuid().ToString("N")[..10];

    private static async Task<V1PodList> Pods(Kubernetes client, string app) =>
        await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"app={app}", cancellationToken: Ct);

    private static async Task Scale(Kubernetes client, string name, int replicas) =>
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new V1Patch($"{{\"spec\":{{\"replicas\":{replicas}}}}}", V1Patch.PatchType.MergePatch), name, "default", cancellationToken: Ct);

    private static async Task<bool> Settled(Kubernetes client, string name, int replicas, string marker)
    {
        var d = await client.AppsV1.ReadNamespacedDeploymentAsync(name, "default", cancellationToken: Ct);
        var pods = await Pods(client, name);
        return Processes(marker).Count == replicas && pods.Items.Count == replicas
            && (d.Status?.ReadyReplicas ?? 0) == replicas && (d.Status?.AvailableReplicas ?? 0) == replicas
            && (d.Status?.Replicas ?? 0) == replicas && d.Status?.ObservedGeneration == d.Metadata.Generation;
    }

    [Fact]
    public async Task Deployment_scaled_0_to_3_to_1_runs_exactly_that_many_processes()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var marker = Marker();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 0, marker), "default", cancellationToken: Ct);
        await Eventually(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default", cancellationToken: Ct)).Status?.ObservedGeneration == 1,
            "status observed at 0 replicas");
        Assert.Empty(Processes(marker));
        Assert.Empty((await Pods(client, "web")).Items);

        await Scale(client, "web", 3);
        await Eventually(() => Settled(client, "web", 3, marker), "3 ready replicas, 3 processes");
        var pods = (await Pods(client, "web")).Items;
        Assert.All(pods, p =>
        {
            Assert.Equal("Running", p.Status.Phase);
            Assert.Equal("127.0.0.1", p.Status.PodIP);
            Assert.Equal("web", p.Metadata.OwnerReferences.Single().Name);
            Assert.True(p.Metadata.OwnerReferences.Single().Controller);
        });
        // Each replica has its own real port.
        Assert.Equal(3, pods.Select(p => ReplicaPorts.FromPod(JsonOf(p)).HostPorts[8080]).Distinct().Count());
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default", cancellationToken: Ct);
        Assert.Contains(deployment.Status.Conditions, c => c.Type == "Available" && c.Status == "True");
        Assert.Equal(3, deployment.Status.UpdatedReplicas);

        await Scale(client, "web", 1);
        await Eventually(() => Settled(client, "web", 1, marker), "1 replica, 1 process");
        Assert.Single(cluster.Workloads.Kubelet.Sandboxes);
    }

    [Fact]
    public async Task Killed_process_is_restarted_and_counted()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var marker = Marker();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("crashy", 1, marker), "default", cancellationToken: Ct);
        await Eventually(() => Settled(client, "crashy", 1, marker), "1 ready replica");
        var pod = (await Pods(client, "crashy")).Items.Single();
        var pid = Processes(marker).Single();

        Process.GetProcessById(pid).Kill();

        await Eventually(async () =>
        {
            var p = await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, "default", cancellationToken: Ct);
            var status = p.Status.ContainerStatuses?.SingleOrDefault();
            return status is { RestartCount: 1, Ready: true } && Processes(marker) is [var again] && again != pid;
        }, "the same pod restarted its container once, with a new process");
        var restarted = await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, "default", cancellationToken: Ct);
        Assert.Equal(137, restarted.Status.ContainerStatuses.Single().LastState.Terminated.ExitCode);
        Assert.Single((await Pods(client, "crashy")).Items);
    }

    [Fact]
    public async Task Changing_the_template_rolls_all_replicas()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var marker = Marker();
        await client.AppsV1.CreateNamespacedDeploymentAsync(
            Deployment("roll", 3, marker, new Dictionary<string, string> { ["VERSION"] = "1" }), "default", cancellationToken: Ct);
        await Eventually(() => Settled(client, "roll", 3, marker), "3 ready replicas");
        var before = (await Pods(client, "roll")).Items.Select(p => p.Metadata.Name).ToHashSet();
        var oldHash = (await Pods(client, "roll")).Items.Select(p => p.Metadata.Labels["pod-template-hash"]).Distinct().Single();
        var oldPids = Processes(marker).ToHashSet();

        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"VERSION","value":"2"}]}]}}}}""",
            V1Patch.PatchType.StrategicMergePatch), "roll", "default", cancellationToken: Ct);

        await Eventually(async () =>
        {
            var pods = (await Pods(client, "roll")).Items;
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync("roll", "default", cancellationToken: Ct);
            return pods.Count == 3 && pods.All(p => !before.Contains(p.Metadata.Name) && p.Metadata.Labels["pod-template-hash"] != oldHash)
                && d.Status.UpdatedReplicas == 3 && d.Status.ReadyReplicas == 3 && d.Status.ObservedGeneration == 2
                && d.Status.Conditions.Any(c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable")
                && Processes(marker) is { Count: 3 } now && !now.Any(oldPids.Contains);
        }, "3 new replicas of the new template, no old process left");
    }

    [Fact]
    public async Task Deleting_the_deployment_stops_its_processes_within_the_grace_period()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var polite = Marker();
        var stubborn = Marker();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("polite", 2, polite, grace: 30), "default", cancellationToken: Ct);
        await client.AppsV1.CreateNamespacedDeploymentAsync(
            Deployment("stubborn", 1, stubborn, new Dictionary<string, string> { ["IGNORE_SIGTERM"] = "1" }, grace: 2), "default", cancellationToken: Ct);
        await Eventually(() => Settled(client, "polite", 2, polite), "2 polite replicas");
        await Eventually(() => Settled(client, "stubborn", 1, stubborn), "1 stubborn replica");

        var watch = Stopwatch.StartNew();
        await client.AppsV1.DeleteNamespacedDeploymentAsync("polite", "default", cancellationToken: Ct);
        await client.AppsV1.DeleteNamespacedDeploymentAsync("stubborn", "default", cancellationToken: Ct);

        // Polite replicas exit on SIGTERM well before their 30 s; the stubborn one is killed after its 2 s.
        await Eventually(() => Processes(polite).Count == 0, "polite processes gone", TimeSpan.FromSeconds(25));
        Assert.NotEmpty(Processes(stubborn));
        await Eventually(() => Processes(stubborn).Count == 0, "stubborn process killed", TimeSpan.FromSeconds(2 + 8));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2), $"the stubborn replica was given its grace period (gone after {watch.Elapsed})");
        await Eventually(async () => (await Pods(client, "polite")).Items.Count == 0 && (await Pods(client, "stubborn")).Items.Count == 0,
            "pods garbage-collected");
    }

    [Fact]
    public async Task Stopping_a_pod_signals_only_its_main_process_and_kills_what_it_leaves_behind()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        // The child's command line is `sleep <seconds>`, a number of this test's own.
        var seconds = Random.Shared.Next(900_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var report = Path.Combine(Path.GetTempPath(), "sigterm-" + seconds);
        var deployment = Deployment("parent", 1, Marker(), grace: 20);
        var container = deployment.Spec.Template.Spec.Containers[0];
        container.Image = "busybox:1.36";
        container.Args = null;
        container.Ports = null;
        container.ReadinessProbe = null;
        // On SIGTERM the main process reports whether its child (a worker's skill host, say) was spared, then exits.
        container.Command = ["sh", "-c",
            $"sleep {seconds} & child=$!; trap 'if kill -0 $child; then echo spared > {report}; else echo signalled > {report}; fi; exit 0' TERM; " +
            "while true; do sleep 0.2; done"];
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default", cancellationToken: Ct);
        await Eventually(() => Sleeping(seconds), "the pod's main process started its child");

        await client.AppsV1.DeleteNamespacedDeploymentAsync("parent", "default", cancellationToken: Ct);

        await Eventually(() => File.Exists(report) && File.ReadAllText(report).Length > 0, "the main process got SIGTERM");
        Assert.Equal("spared", File.ReadAllText(report).Trim());
        await Eventually(() => !Sleeping(seconds), "the child is killed once the main process has exited");
        File.Delete(report);
    }

    private static bool Sleeping(string seconds) =>
        Directory.EnumerateDirectories("/proc").Any(dir =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(dir, "cmdline")) == $"sleep\0{seconds}\0";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        });

    [Fact]
    public async Task Env_resolves_secret_and_configmap_keys_and_field_refs()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var marker = Marker();
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "creds" },
            StringData = new Dictionary<string, string> { ["token"] = "s3cret" },
        }, "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "conf" },
            Data = new Dictionary<string, string> { ["mode"] = "fast" },
        }, "default", cancellationToken: Ct);
        var env = new List<V1EnvVar>
        {
            new() { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = "token", Name = "creds" } } },
            new() { Name = "MODE", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Key = "mode", Name = "conf" } } },
            new() { Name = "POD", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new() { Name = "GREETING", Value = "hello-$(MODE)" },
            new() { Name = "ECHO_ENV", Value = "TOKEN,MODE,POD,GREETING,PORT" },
        };
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("envy", 1, marker, extraEnv: env), "default", cancellationToken: Ct);
        await Eventually(() => Settled(client, "envy", 1, marker), "1 ready replica");
        var pod = (await Pods(client, "envy")).Items.Single();

        var log = "";
        await Eventually(async () =>
        {
            using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, "default", cancellationToken: Ct);
            log = await new StreamReader(stream).ReadToEndAsync(Ct);
            return log.Contains("env PORT=", StringComparison.Ordinal);
        }, "the replica printed its environment");
        Assert.Contains("env TOKEN=s3cret", log, StringComparison.Ordinal);
        Assert.Contains("env MODE=fast", log, StringComparison.Ordinal);
        Assert.Contains($"env POD={pod.Metadata.Name}", log, StringComparison.Ordinal);
        Assert.Contains("env GREETING=hello-fast", log, StringComparison.Ordinal);
        Assert.Contains($"env PORT={ReplicaPorts.FromPod(JsonOf(pod)).HostPorts[8080]}", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_secret_leaves_the_container_waiting_with_the_kubelet_reason()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var env = new List<V1EnvVar> { new() { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = "token", Name = "absent" } } } };
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("lost", 1, Marker(), extraEnv: env), "default", cancellationToken: Ct);
        await Eventually(async () => (await Pods(client, "lost")).Items.SingleOrDefault()?.Status?.ContainerStatuses?.Single().State.Waiting is
        { Reason: "CreateContainerConfigError", Message: "secret \"absent\" not found" }, "CreateContainerConfigError");
    }

    [Fact]
    public async Task Service_gets_endpoints_with_each_replicas_real_port()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var marker = Marker();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("api", 2, marker), "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "api" },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "api" },
                Ports = [new V1ServicePort { Name = "web", Port = 80, TargetPort = "http" }],
            },
        }, "default", cancellationToken: Ct);
        await Eventually(() => Settled(client, "api", 2, marker), "2 ready replicas");

        V1Endpoints? endpoints = null;
        await Eventually(async () =>
        {
            endpoints = await client.CoreV1.ReadNamespacedEndpointsAsync("api", "default", cancellationToken: Ct);
            return endpoints.Subsets?.Count(s => s.Addresses?.Count == 1) == 2;
        }, "two ready addresses");
        var ports = endpoints!.Subsets.Select(s => s.Ports.Single().Port).ToList();
        var expected = (await Pods(client, "api")).Items.Select(p => ReplicaPorts.FromPod(JsonOf(p)).HostPorts[8080]).ToList();
        Assert.Equal(expected.Order(), ports.Order());
        using var http = new HttpClient();
        foreach (var port in ports)
        {
            Assert.StartsWith("api-", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/say/hi"), Ct), StringComparison.Ordinal);
        }
    }

    internal static System.Text.Json.Nodes.JsonObject JsonOf(V1Pod pod) =>
        System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(pod))!.AsObject();
}
