using System.Diagnostics;
using k8s;
using k8s.Models;
using MetaEvolve.DevCluster.Tests;
using static MetaEvolve.DevCluster.Workloads.Tests.WorkloadCluster;

namespace MetaEvolve.DevCluster.Workloads.Tests;

/// <summary>What a pod gets besides its processes: volumes as folders (kept in step with their sources), declared ports as host ports, ServiceAccount credentials.</summary>
public sealed class PodSandboxTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Marker() => "s" + Guid.NewGuid().ToString("N")[..10];

    private static async Task<V1Pod> ReadyPod(Kubernetes client, string app)
    {
        await Eventually(async () =>
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync(app, "default", cancellationToken: Ct);
            return d.Status?.ReadyReplicas == 1 && d.Status.Replicas == 1;
        }, $"a ready {app} replica");
        return (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: $"app={app}", cancellationToken: Ct)).Items.Single();
    }

    private static async Task<string> LogContaining(Kubernetes client, V1Pod pod, string text)
    {
        var log = "";
        await Eventually(async () =>
        {
            using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, "default", cancellationToken: Ct);
            log = await new StreamReader(stream).ReadToEndAsync(Ct);
            return log.Contains(text, StringComparison.Ordinal);
        }, $"{pod.Metadata.Name} printed '{text}'");
        return log;
    }

    private static V1Deployment WithEnv(V1Deployment deployment, params (string Name, string Value)[] env)
    {
        var container = deployment.Spec.Template.Spec.Containers[0];
        foreach (var (name, value) in env)
        {
            container.Env.Add(new V1EnvVar { Name = name, Value = value });
        }

        return deployment;
    }

    [Fact]
    public async Task Secret_config_map_and_empty_dir_volumes_are_folders_that_env_paths_under_mounts_point_at()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "tls" },
            StringData = new Dictionary<string, string> { ["tls.crt"] = "CERT-PEM", ["tls.key"] = "KEY-PEM" },
        }, "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "conf" },
            Data = new Dictionary<string, string> { ["settings.json"] = "{\"mode\":\"fast\"}" },
        }, "default", cancellationToken: Ct);
        var deployment = WithEnv(Deployment("mounted", 1, Marker()),
            ("CERT_DIR", "/etc/app/tls"),
            ("CERT_FILE", "$(CERT_DIR)/certs/server.crt"),
            ("SETTINGS", "/etc/app/settings.json"),
            ("SCRATCH", "/scratch"),
            ("ELSEWHERE", "/etc/app/other"),
            ("ECHO_FILES", "CERT_FILE,SETTINGS"),
            ("ECHO_ENV", "SCRATCH,ELSEWHERE"));
        var spec = deployment.Spec.Template.Spec;
        spec.Volumes =
        [
            new V1Volume { Name = "tls", Secret = new V1SecretVolumeSource { SecretName = "tls", Items = [new V1KeyToPath { Key = "tls.crt", Path = "certs/server.crt" }] } },
            new V1Volume { Name = "conf", ConfigMap = new V1ConfigMapVolumeSource { Name = "conf" } },
            new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() },
        ];
        spec.Containers[0].VolumeMounts =
        [
            new V1VolumeMount { Name = "tls", MountPath = "/etc/app/tls", ReadOnlyProperty = true },
            new V1VolumeMount { Name = "conf", MountPath = "/etc/app/settings.json", SubPath = "settings.json" },
            new V1VolumeMount { Name = "scratch", MountPath = "/scratch" },
        ];
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default", cancellationToken: Ct);
        var pod = await ReadyPod(client, "mounted");

        var log = await LogContaining(client, pod, "env ELSEWHERE=");
        Assert.Contains("file CERT_FILE=CERT-PEM", log, StringComparison.Ordinal);
        Assert.Contains("file SETTINGS={\"mode\":\"fast\"}", log, StringComparison.Ordinal);
        Assert.Contains("env ELSEWHERE=/etc/app/other", log, StringComparison.Ordinal);
        var sandbox = cluster.Workloads.Kubelet.Sandboxes.Single();
        Assert.Contains($"env SCRATCH={Path.Combine(sandbox.Directory, "volumes", "scratch")}", log, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(sandbox.Directory, "volumes", "scratch")));
        // items choose the keys: tls.key was not asked for, so it is not written.
        Assert.Equal(["certs/server.crt"], Directory.GetFiles(Path.Combine(sandbox.Directory, "volumes", "tls"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(sandbox.Directory, "volumes", "tls"), f)));

        // A changed Secret reaches the running process's file, swapped whole (old or new content, never a gap).
        await client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""{"stringData":{"tls.crt":"CERT-PEM-2"}}""", V1Patch.PatchType.MergePatch),
            "tls", "default", cancellationToken: Ct);
        using var http = new HttpClient();
        var port = ReplicaPorts.FromPod(DeploymentRunnerTests.JsonOf(pod)).HostPorts[8080];
        await Eventually(async () => await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/file/CERT_FILE"), Ct) == "CERT-PEM-2",
            "the process reads the Secret's new content");
        // The previous content's folder goes right after the swap (the process may read the new file before that).
        await Eventually(() => Directory.GetDirectories(Path.Combine(sandbox.Directory, "volumes"), "..tls_*").Length == 1,
            "only the current content's folder is left");

        await client.AppsV1.DeleteNamespacedDeploymentAsync("mounted", "default", cancellationToken: Ct);
        await Eventually(() => !Directory.Exists(sandbox.Directory), "the stopped pod's sandbox directory is removed");
    }

    [Fact]
    public async Task Env_naming_a_declared_port_gets_the_replicas_host_port()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        var deployment = WithEnv(Deployment("ported", 1, Marker()),
            ("ASPNETCORE_URLS", "http://+:8080"),
            ("METRICS_PORT", "6443"),
            ("UNDECLARED_PORT", "7070"),
            ("ECHO_ENV", "ASPNETCORE_URLS,METRICS_PORT,UNDECLARED_PORT"));
        deployment.Spec.Template.Spec.Containers[0].Ports.Add(new V1ContainerPort { Name = "https", ContainerPort = 6443 });
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default", cancellationToken: Ct);
        var pod = await ReadyPod(client, "ported");

        var hostPorts = ReplicaPorts.FromPod(DeploymentRunnerTests.JsonOf(pod)).HostPorts;
        var log = await LogContaining(client, pod, "env UNDECLARED_PORT=");
        Assert.Contains($"env ASPNETCORE_URLS=http://+:{hostPorts[8080]}", log, StringComparison.Ordinal);
        Assert.Contains($"env METRICS_PORT={hostPorts[6443]}", log, StringComparison.Ordinal);
        Assert.Contains("env UNDECLARED_PORT=7070", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_reaches_the_api_server_as_its_service_account_unless_automount_is_off()
    {
        await using var cluster = await StartAsync();
        var client = cluster.Client();
        await client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "robot" } }, "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta { Name = "mute" },
            AutomountServiceAccountToken = false,
        }, "default", cancellationToken: Ct);
        var robot = WithEnv(Deployment("robot", 1, Marker()), ("ECHO_ENV", "KUBECONFIG"));
        robot.Spec.Template.Spec.ServiceAccountName = "robot";
        var podOptOut = WithEnv(Deployment("pod-opt-out", 1, Marker()), ("ECHO_ENV", "KUBECONFIG"));
        podOptOut.Spec.Template.Spec.ServiceAccountName = "robot";
        podOptOut.Spec.Template.Spec.AutomountServiceAccountToken = false;
        var accountOptOut = WithEnv(Deployment("account-opt-out", 1, Marker()), ("ECHO_ENV", "KUBECONFIG"));
        accountOptOut.Spec.Template.Spec.ServiceAccountName = "mute";
        foreach (var deployment in new[] { robot, podOptOut, accountOptOut })
        {
            await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default", cancellationToken: Ct);
        }

        var pod = await ReadyPod(client, "robot");
        var log = await LogContaining(client, pod, "env KUBECONFIG=");
        var kubeconfig = log.Split('\n').Single(l => l.StartsWith("env KUBECONFIG=", StringComparison.Ordinal))["env KUBECONFIG=".Length..].Trim();
        Assert.StartsWith(cluster.Workloads.Kubelet.Sandboxes.Single(s => s.Uid == pod.Metadata.Uid).Directory, kubeconfig, StringComparison.Ordinal);

        // The process itself, through KubernetesClient's default config, as the operator does.
        using var http = new HttpClient();
        var port = ReplicaPorts.FromPod(DeploymentRunnerTests.JsonOf(pod)).HostPorts[8080];
        var listed = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/kube/pods"), Ct);
        Assert.Contains(pod.Metadata.Name, listed, StringComparison.Ordinal);
        Assert.Contains(cluster.Host.Server.Requests.ForUser("system:serviceaccount:default:robot"),
            r => r is { Verb: "list", Resource: "pods", Namespace: "default", StatusCode: 200 });

        // Real kubectl takes the same kubeconfig as it is.
        var home = Directory.CreateTempSubdirectory("pod-kubectl-").FullName;
        var info = new ProcessStartInfo(Kubectl.Binary(33)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--kubeconfig", kubeconfig, "--cache-dir", Path.Combine(home, "cache"), "get", "pods", "-o", "name" })
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["HOME"] = home;
        using var kubectl = Process.Start(info)!;
        var output = await kubectl.StandardOutput.ReadToEndAsync(Ct);
        var error = await kubectl.StandardError.ReadToEndAsync(Ct);
        await kubectl.WaitForExitAsync(Ct);
        Assert.True(kubectl.ExitCode == 0, error);
        Assert.Contains($"pod/{pod.Metadata.Name}", output, StringComparison.Ordinal);

        foreach (var optedOut in new[] { "pod-opt-out", "account-opt-out" })
        {
            var quiet = await ReadyPod(client, optedOut);
            Assert.Contains("env KUBECONFIG=\n", (await LogContaining(client, quiet, "env KUBECONFIG=")).ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
    }
}
