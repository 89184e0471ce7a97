using System.Diagnostics;
using k8s;
using k8s.Models;
using MetaEvolve.DevCluster.Tests;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Workloads.Tests;

/// <summary>
/// A dev control plane with the workload runner and HPA emulation, short periods for tests, and the
/// test workload program mapped to the image <c>metaevolve/test-workload:*</c>.
/// </summary>
public sealed class WorkloadCluster : IAsyncDisposable
{
    public const string Image = "metaevolve/test-workload:dev";

    private WorkloadCluster(DevClusterHost host, DevWorkloads workloads)
    {
        Host = host;
        Workloads = workloads;
    }

    public DevClusterHost Host { get; }
    public DevWorkloads Workloads { get; }
    public Kubernetes Client() => Host.Client();

    public static string WorkloadDll { get; } = Path.Combine(AppContext.BaseDirectory, "MetaEvolve.DevCluster.TestWorkload.dll");

    public static async Task<WorkloadCluster> StartAsync(Func<WorkloadOptions, WorkloadOptions>? adjust = null)
    {
        var host = await DevClusterHost.StartAsync();
        var options = new WorkloadOptions
        {
            Images = [new ImageCommand("metaevolve/test-workload:*", ["dotnet", WorkloadDll]), new ImageCommand("busybox*", [])],
            RestartBackoff = TimeSpan.FromMilliseconds(500),
            HpaSyncPeriod = TimeSpan.FromMilliseconds(500),
            HpaDownscaleStabilization = TimeSpan.FromSeconds(3),
            PodsDirectory = System.IO.Path.Combine(host.Directory, "pods"),
        };
        var log = new FileLoggerProvider(System.IO.Path.Combine(host.Directory, "control-plane.log"));
        var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var workloads = new DevWorkloads(host.Server, adjust?.Invoke(options) ?? options, factory);
        workloads.Start();
        CurrentLog = log.Path;
        return new WorkloadCluster(host, workloads);
    }

    public static V1Deployment Deployment(string name, int replicas, string marker, IDictionary<string, string>? env = null, long grace = 5,
        IList<V1EnvVar>? extraEnv = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        var variables = (env ?? new Dictionary<string, string>()).Select(p => new V1EnvVar { Name = p.Key, Value = p.Value }).Concat(extraEnv ?? []).ToList();
        return new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        TerminationGracePeriodSeconds = grace,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "main",
                                Image = Image,
                                Args = [$"--marker={marker}"],
                                Env = variables,
                                Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }],
                                ReadinessProbe = new V1Probe
                                {
                                    HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = 8080 },
                                    PeriodSeconds = 1,
                                },
                            },
                        ],
                    },
                },
            },
        };
    }

    /// <summary>Live OS processes whose command line carries <paramref name="marker"/> (what really runs).</summary>
    public static List<int> Processes(string marker)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
                if (cmdline.Contains("--marker=" + marker + "\0", StringComparison.Ordinal) && state != "Z")
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process went away while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return pids;
    }

    /// <summary>The log of the runner and controllers (printed by failing tests).</summary>
    public static string? CurrentLog { get; private set; }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the last observation.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (watch.Elapsed > limit)
            {
                var log = CurrentLog is { } path && File.Exists(path) ? File.ReadAllText(path) : "";
                Assert.Fail($"timed out after {limit.TotalSeconds}s waiting for: {what}\n--- control plane log (tail) ---\n{log[Math.Max(0, log.Length - 6000)..]}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public static Task Eventually(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        Eventually(() => Task.FromResult(condition()), what, timeout);

    public async ValueTask DisposeAsync()
    {
        await Workloads.DisposeAsync();
        await Host.DisposeAsync();
    }
}
