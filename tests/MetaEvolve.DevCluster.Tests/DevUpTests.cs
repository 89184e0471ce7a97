using System.Diagnostics;
using MetaEvolve.AgentRuntime.Tests.Agents;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.DevCluster.Tests;

/// <summary><c>metaevolve dev up</c> as a process: it comes up, serves kubectl, stops on SIGTERM and keeps its objects.</summary>
public sealed class DevUpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string ScratchCheckout()
    {
        var root = Directory.CreateTempSubdirectory("devup-").FullName;
        foreach (var folder in new[] { "crds", "samples" })
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
            foreach (var file in Directory.GetFiles(RepositoryRoot.Combine(folder), "*.yaml"))
            {
                File.Copy(file, Path.Combine(root, folder, Path.GetFileName(file)));
            }
        }

        return root;
    }

    [Fact]
    public async Task Dev_up_serves_the_samples_stops_on_sigterm_and_keeps_objects_across_restarts()
    {
        var binary = Kubectl.Binary(33);
        var root = ScratchCheckout();
        var port = ChildProcess.FreeLoopbackPort();
        var kubeconfig = Path.Combine(root, ".metaevolve", "kubeconfig");

        await using (var devUp = DevUpProcess.Start(root, port, null, "--no-services"))
        {
            await devUp.WaitForOutputAsync("Ready.");
            Assert.Contains("kubectl --kubeconfig .metaevolve/kubeconfig get agentpools -A", devUp.Snapshot(), StringComparison.Ordinal);
            var pools = await RunKubectl(binary, root, kubeconfig, "get", "agentpools", "-A");
            Assert.Matches(@"default\s+general\s+Hpa\s+1\s+5", pools);

            var elapsed = await devUp.TerminateAsync();
            Assert.True(elapsed < TimeSpan.FromSeconds(20), $"stopping took {elapsed}");
            Assert.Equal(0, devUp.ExitCode);
            Assert.Contains("Control plane stopped.", devUp.Snapshot(), StringComparison.Ordinal);
        }

        await using (var again = DevUpProcess.Start(root, port, null, "--no-services"))
        {
            await again.WaitForOutputAsync("Ready.");
            Assert.Contains("agentpool.metaevolve.io/general unchanged", again.Snapshot(), StringComparison.Ordinal);
            var applied = await RunKubectl(binary, root, kubeconfig, "apply", "-f", Path.Combine(root, "samples"));
            Assert.Contains("agentpool.metaevolve.io/general unchanged", applied, StringComparison.Ordinal);
            await again.TerminateAsync();
        }
    }

    [Fact]
    public async Task Dev_up_without_operator_and_gateway_leaves_them_to_an_installer()
    {
        var binary = Kubectl.Binary(33);
        var root = ScratchCheckout();
        // The operator's and the gateway's projects are there: only the flags keep dev up from running them.
        foreach (var folder in new[] { "operator", "gateway" })
        {
            Directory.CreateSymbolicLink(Path.Combine(root, folder), RepositoryRoot.Combine(folder));
        }

        var kubeconfig = Path.Combine(root, ".metaevolve", "kubeconfig");
        await using var devUp = DevUpProcess.Start(root, ChildProcess.FreeLoopbackPort(), null, "--no-services", "--no-samples", "--no-operator", "--no-gateway");
        await devUp.WaitForOutputAsync("Ready.");
        var output = devUp.Snapshot();
        Assert.Contains("[6/7] Operator", output, StringComparison.Ordinal);
        Assert.Contains("skipped (--no-operator)", output, StringComparison.Ordinal);
        Assert.Contains("[7/7] Task gateway: skipped (--no-gateway)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("operator on http://", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, ".metaevolve", "operator.log")), "no operator process was started");

        // The control plane and its CRDs are there for the installer; no APIService was registered in its place.
        Assert.Contains("agentpools.metaevolve.io", await RunKubectl(binary, root, kubeconfig, "get", "crds"), StringComparison.Ordinal);
        Assert.DoesNotContain("external.metrics.k8s.io", await RunKubectl(binary, root, kubeconfig, "get", "apiservices"), StringComparison.Ordinal);
        await devUp.TerminateAsync();
        Assert.Equal(0, devUp.ExitCode);
    }

    [Fact]
    [Trait(Services.Trait, Services.Needed)] // dev up starts its own services here
    public async Task Make_run_answers_a_direct_call_and_a_chat_task_through_operator_worker_and_gateway()
    {
        var binary = Kubectl.Binary(33);
        var root = ScratchCheckout();
        // The operator, the worker image and the gateway run from this checkout's builds; the services come
        // from its script, in this scratch checkout with ports of their own, so other tests' streams are untouched.
        foreach (var folder in new[] { "operator", "agent-runtime", "gateway", "hack" })
        {
            Directory.CreateSymbolicLink(Path.Combine(root, folder), RepositoryRoot.Combine(folder));
        }

        var kubeconfig = Path.Combine(root, ".metaevolve", "kubeconfig");

        await using var devUp = DevUpProcess.StartIsolated(root);
        try
        {
            await devUp.WaitForOutputAsync("Ready.");
            // Ready means ready: discovery of every group, the aggregated external metrics API included, answers at
            // once (kubectl exits 1 with "couldn't get resource list" while an APIService's backend refuses).
            Assert.Contains("metaevolve_pool_queue_lag", await RunKubectl(binary, root, kubeconfig, "api-resources", "--api-group=external.metrics.k8s.io"), StringComparison.Ordinal);
            await RunKubectl(binary, root, kubeconfig, "wait", "--for=condition=Ready", "agentpool/general", "agent/text-tools", "skill/text-stats", "--timeout=180s");

            // dev up registered the operator's external metrics API: the aggregated path answers the sample pool's lag.
            var lag = System.Text.Json.Nodes.JsonNode.Parse(await RunKubectl(binary, root, kubeconfig, "get", "--raw",
                "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/metaevolve_pool_queue_lag?labelSelector=metaevolve.io%2Fpool%3Dgeneral"))!;
            var series = Assert.Single(lag["items"]!.AsArray())!;
            Assert.Equal("general", (string?)series["metricLabels"]!["metaevolve.io/pool"]);
            Assert.Matches("^[0-9]+$", (string?)series["value"]);

            var (exit, output) = await RunCli(root, "call", "text-tools", "text-stats.WordCount", "text=hello brave new world", "--wait");
            Assert.True(exit == 0, $"metaevolve call exited {exit}: {output}\n{devUp.Snapshot()}");
            // A skill call prints its result.
            Assert.Contains("4", output.Split('\n').Select(line => line.Trim()));

            (exit, output) = await RunCli(root, "call", "text-tools", "system.echo", "message=hi", "--wait");
            Assert.True(exit == 0, $"metaevolve call exited {exit}: {output}");
            Assert.Contains("\"message\":\"hi\"", output, StringComparison.Ordinal);

            // A chat agent whose model is a scripted OpenAI-compatible server: submit --wait returns its answer.
            await using var model = new ScriptedModelServer(_ => ScriptedReply.Text("Hello from the scripted model."));
            var manifest = Path.Combine(root, "scripted-agent.yaml");
            await File.WriteAllTextAsync(manifest, $$"""
                apiVersion: metaevolve.io/v1alpha1
                kind: Agent
                metadata:
                  name: scripted
                spec:
                  poolRef: {name: general}
                  instructions: Answer in one sentence.
                  model: {provider: OpenAICompatible, model: scripted, endpoint: "{{model.Endpoint}}"}
                """, Ct);
            await RunKubectl(binary, root, kubeconfig, "apply", "-f", manifest);
            await RunKubectl(binary, root, kubeconfig, "wait", "--for=condition=Ready", "agent/scripted", "--timeout=120s");

            (exit, output) = await RunCli(root, "submit", "scripted", "Say hello.", "--wait", "--timeout", "00:02:00");
            Assert.True(exit == 0, $"metaevolve submit exited {exit}: {output}\n{devUp.Snapshot()}");
            Assert.Contains("Hello from the scripted model.", output, StringComparison.Ordinal);
            var request = Assert.Single(model.Requests);
            Assert.Contains("Answer in one sentence.", request.ToJsonString(), StringComparison.Ordinal);
        }
        finally
        {
            var elapsed = await devUp.TerminateAsync();
            Assert.True(elapsed < TimeSpan.FromSeconds(20), $"stopping took {elapsed}");
        }

        Assert.Contains("Local services stopped.", devUp.Snapshot(), StringComparison.Ordinal);
    }

    /// <summary>The task commands, run where dev up wrote .metaevolve/gateway.json, so they need no flags.</summary>
    private static async Task<(int ExitCode, string Output)> RunCli(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "metaevolve.dll") }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<string> RunKubectl(string binary, string home, string kubeconfig, params string[] args)
    {
        var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--kubeconfig", kubeconfig, "--cache-dir", Path.Combine(home, "kube-cache") }.Concat(args))
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["HOME"] = home;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {await stderr}");
        return await stdout;
    }
}
