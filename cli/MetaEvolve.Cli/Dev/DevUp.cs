using MetaEvolve.DevCluster;
using MetaEvolve.DevCluster.Authentication;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.DevCluster.Manifests;
using MetaEvolve.DevCluster.Workloads;

namespace MetaEvolve.Cli.Dev;

/// <summary>
/// <c>metaevolve dev up</c>: local services, the dev control plane (journaled under .metaevolve/),
/// a kubeconfig, the CRDs and the samples, the operator and the gateway (each of them optional) — then it waits in the foreground until SIGINT/SIGTERM and
/// stops everything it started. It never reads standard input.
/// </summary>
public sealed class DevUp(DevUpOptions options, TextWriter output)
{
    private const string User = "developer";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var services = new LocalServices(options.Root, output);
        var stopServices = false;
        DevApiServer? server = null;
        DevWorkloads? workloads = null;
        DevGateway? gateway = null;
        DevOperator? @operator = null;
        try
        {
            output.WriteLine($"MetaEvolve dev up in {options.Root} (development only: loopback, HTTPS with a local CA, tokens from the kubeconfig)");
            if (options.StartServices && services.Available)
            {
                Step(1, "Local services (NATS JetStream, PostgreSQL, Redis) via hack/services.sh");
                stopServices = !await services.RunningAsync(cancellationToken);
                foreach (var line in await services.UpAsync(cancellationToken))
                {
                    output.WriteLine($"      {line}");
                }
            }
            else
            {
                Step(1, options.StartServices ? "Local services: hack/services.sh not found, skipped" : "Local services: skipped (--no-services)");
            }

            Step(2, $"Control plane on 127.0.0.1:{options.Port} (objects kept in {Relative(options.DataDirectory)})");
            server = new DevApiServer(new DevClusterOptions
            {
                Port = options.Port,
                DataDirectory = options.DataDirectory,
                RequestLogPath = Path.Combine(options.StateDirectory, "requests.jsonl"),
            });
            await server.StartAsync(cancellationToken);
            output.WriteLine($"      listening on {server.BaseAddress}");

            // Issue 7: Deployments run as local processes; Endpoints, APIService availability, HPA emulation.
            var images = LocalImages.Load(options.Root);
            workloads = new DevWorkloads(server, new WorkloadOptions { Images = images, PodsDirectory = options.PodsDirectory });
            workloads.Start();
            output.WriteLine($"      workload runner and HPA emulation started; images run locally as ({Relative(LocalImages.MapPath(options.Root))} overrides):");
            output.WriteLine(LocalImages.Describe(images));

            Step(3, $"Kubeconfig {Relative(options.KubeconfigPath)} (user \"{User}\")");
            Kubeconfig.Write(options.KubeconfigPath, server.KubeconfigFor(User, groups: Caller.Masters));

            var applier = new ManifestApplier(server.Operations);
            var failures = 0;
            if (options.ApplyCrds)
            {
                failures += Apply(4, "CRDs from crds/", Path.Combine(options.Root, "crds"), applier);
            }
            else
            {
                // The chart installs them itself and refuses objects another owner created.
                Step(4, "CRDs: skipped (--no-crds)");
            }

            if (options.ApplySamples && options.ApplyCrds)
            {
                failures += Apply(5, "Samples from samples/", Path.Combine(options.Root, "samples"), applier);
            }
            else
            {
                Step(5, options.ApplySamples ? "Samples: skipped (they need the CRDs)" : "Samples: skipped (--no-samples)");
            }

            Step(6, "Operator (reconciles Agents, Skills and AgentPools into workers, queues and store rows)");
            if (!options.StartOperator)
            {
                output.WriteLine("      skipped (--no-operator): install it into this control plane yourself (helm install --server-side=false …)");
            }
            else if (Directory.Exists(Path.Combine(options.Root, "operator", "MetaEvolve.Operator.Host")))
            {
                @operator = new DevOperator(options.Root, options.KubeconfigPath, options.OperatorPort, options.MetricsApiPort, output);
                @operator.Start();
                if (options.MetricsApiPort > 0)
                {
                    await @operator.WaitForMetricsApiAsync(TimeSpan.FromSeconds(120), cancellationToken);
                    foreach (var outcome in DevMetricsApi.Register(applier, options.MetricsApiPort))
                    {
                        output.WriteLine(outcome.Succeeded ? $"      {outcome.Result}" : $"      FAILED {outcome.Resource}/{outcome.Name}: {outcome.Result}");
                        failures += outcome.Succeeded ? 0 : 1;
                    }
                }
            }
            else
            {
                output.WriteLine("      operator/MetaEvolve.Operator.Host not found, skipped");
            }

            if (!options.StartGateway)
            {
                Step(7, "Task gateway: skipped (--no-gateway)");
            }
            else if (options.GatewayPort > 0)
            {
                Step(7, "Task gateway (metaevolve submit/call/tasks need no flags while this runs)");
                if (Directory.Exists(Path.Combine(options.Root, "gateway", "MetaEvolve.Gateway")))
                {
                    gateway = new DevGateway(options.Root, options.GatewayPort, output);
                    gateway.Start();
                }
                else
                {
                    output.WriteLine("      gateway/MetaEvolve.Gateway not found, skipped");
                }
            }

            output.WriteLine();
            output.WriteLine(failures == 0 ? "Ready. In another shell:" : $"Running, but {failures} manifest(s) failed (see above). In another shell:");
            var kubectl = $"kubectl --kubeconfig {Relative(options.KubeconfigPath)}";
            output.WriteLine($"  {kubectl} get agentpools -A");
            output.WriteLine($"  {kubectl} explain agentpool.spec");
            output.WriteLine($"  {kubectl} apply -f samples/");
            output.WriteLine("Press Ctrl+C to stop the control plane" + (stopServices ? " and the services it started." : "."));
            await output.FlushAsync(cancellationToken);

            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteLine("Stopping…");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            output.WriteLine($"error: {e.Message}");
            return 1;
        }
        finally
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
                output.WriteLine("Gateway stopped.");
            }

            if (@operator is not null)
            {
                await @operator.DisposeAsync();
                output.WriteLine("Operator stopped.");
            }

            if (workloads is not null)
            {
                // Every replica gets SIGTERM and its grace period before the control plane goes.
                await workloads.DisposeAsync();
                output.WriteLine("Workloads stopped.");
            }

            if (server is not null)
            {
                await server.DisposeAsync();
                output.WriteLine("Control plane stopped.");
            }

            if (stopServices)
            {
                // Not the cancelled token: stopping must run to completion (SIGTERM gives us 20 s).
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await services.DownAsync(limit.Token);
                output.WriteLine("Local services stopped.");
            }
        }
    }

    private int Apply(int step, string title, string directory, ManifestApplier applier)
    {
        Step(step, title);
        if (!Directory.Exists(directory))
        {
            output.WriteLine($"      {Relative(directory)} not found, skipped");
            return 0;
        }

        var failures = 0;
        foreach (var manifest in ManifestReader.ReadDirectory(directory))
        {
            var outcome = applier.Apply(manifest);
            output.WriteLine(outcome.Succeeded ? $"      {outcome.Result}" : $"      FAILED {outcome.Resource}/{outcome.Name}: {outcome.Result}");
            failures += outcome.Succeeded ? 0 : 1;
        }

        return failures;
    }

    private void Step(int number, string title) => output.WriteLine($"[{number}/{(options.GatewayPort > 0 || !options.StartGateway ? 7 : 6)}] {title}");

    private string Relative(string path) => Path.GetRelativePath(options.Root, path);
}
