using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// A pod on the local "node": its ports (one free loopback port per declared container port), its
/// sandbox directory (volumes, ServiceAccount credentials) and one <see cref="ContainerRunner"/> per
/// container. Builds the pod's status from the containers' snapshots.
/// </summary>
public sealed class PodSandbox : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly PortAllocator _allocator;
    private readonly ObjectStore _store;
    private readonly PodVolumes _volumes;
    private readonly ServiceAccountCredentials? _issuer;
    private readonly Lock _filesGate = new();
    private bool _credentialsWritten;
    private bool _prepared;
    private PodCredentials? _credentials;

    public PodSandbox(ObjectStore store, JsonObject pod, WorkloadOptions options, PortAllocator allocator, Prober prober,
        ServiceAccountCredentials? credentials, ILogger logger)
    {
        _allocator = allocator;
        _store = store;
        _issuer = credentials;
        Pod = pod;
        Uid = ObjectMeta.Uid(pod);
        Directory = Path.Combine(options.PodsDirectory, $"{ObjectMeta.Namespace(pod)}_{ObjectMeta.Name(pod)}_{Uid}");
        _volumes = new PodVolumes(store, pod, Directory);
        var containers = (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var hostPorts = new Dictionary<int, int>();
        var perContainer = new List<List<(JsonObject, int)>>();
        foreach (var container in containers)
        {
            var own = new List<(JsonObject, int)>();
            var declared = (container["ports"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            if (declared.Count == 0 && ProbePort(container) is { } probePort)
            {
                // A probe on an undeclared port still needs a port of its own per replica.
                declared.Add(new JsonObject { ["containerPort"] = probePort });
            }

            foreach (var port in declared)
            {
                var containerPort = port["containerPort"]?.GetValue<int>() ?? 0;
                if (!hostPorts.TryGetValue(containerPort, out var host))
                {
                    host = allocator.Allocate();
                    hostPorts[containerPort] = host;
                }

                own.Add((port, host));
            }

            perContainer.Add(own);
        }

        Ports = new ReplicaPorts(hostPorts);
        Containers = containers.Select((c, i) => new ContainerRunner(store, pod, c, Ports, perContainer[i], Prepare, options, prober, logger)).ToList();
    }

    public JsonObject Pod { get; }
    public string Uid { get; }
    public ReplicaPorts Ports { get; }

    /// <summary>The pod's own folder on the shared file system.</summary>
    public string Directory { get; }
    public IReadOnlyList<ContainerRunner> Containers { get; }
    public DateTimeOffset StartTime { get; } = DateTimeOffset.UtcNow;

    /// <summary>Raised when any container changes.</summary>
    public event Action? Changed
    {
        add
        {
            foreach (var c in Containers)
            {
                c.Changed += value;
            }
        }
        remove
        {
            foreach (var c in Containers)
            {
                c.Changed -= value;
            }
        }
    }

    public TimeSpan GracePeriod => TimeSpan.FromSeconds(Pod["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30);

    /// <summary>A shorter grace period for a node shutdown (the pod's own still applies when shorter).</summary>
    public TimeSpan? ShutdownGracePeriod { get; set; }

    private TimeSpan EffectiveGrace => ShutdownGracePeriod is { } cap && cap < GracePeriod ? cap : GracePeriod;

    /// <summary>
    /// Writes the pod's files before a container starts: the volumes every time (a restarted container sees
    /// current Secret data), the credentials once per pod (one token for the pod's life, as a projected token).
    /// </summary>
    private PodFiles Prepare()
    {
        lock (_filesGate)
        {
            if (!_credentialsWritten)
            {
                System.IO.Directory.CreateDirectory(Directory);
                _credentials = _issuer?.Write(_store, Pod, Directory);
                _credentialsWritten = true;
            }

            _prepared = true;
            return new PodFiles(_volumes.Materialize(), _credentials);
        }
    }

    /// <summary>Rewrites the volumes a changed Secret or ConfigMap backs (once the pod's files exist), as the kubelet's sync.</summary>
    public void OnSourceChanged(string resource, string ns, string name)
    {
        lock (_filesGate)
        {
            if (_prepared && !_stop.IsCancellationRequested && _volumes.Uses(resource, ns, name))
            {
                _volumes.Refresh();
            }
        }
    }

    public void Start()
    {
        // A pod started again under the same uid (a journaled pod after a restart) begins with clean folders.
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        foreach (var c in Containers)
        {
            _running.Add(Task.Run(() => c.RunAsync(() => EffectiveGrace, _stop.Token)));
        }
    }

    /// <summary>SIGTERM to every container, SIGKILL after the grace period; returns when all are gone.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _allocator.Release(Ports.HostPorts.Values);
        lock (_filesGate)
        {
            _prepared = false;
            if (_credentials is not null)
            {
                _issuer?.Revoke(_credentials);
            }

            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
                // Never written: no container started.
            }
        }
    }

    public void Dispose() => _stop.Dispose();

    public ContainerLogs? Logs(string container) => Containers.FirstOrDefault(c => c.Name == container)?.Logs;

    private static int? ProbePort(JsonObject container)
    {
        foreach (var kind in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            var port = container[kind]?["httpGet"]?["port"] ?? container[kind]?["tcpSocket"]?["port"];
            if (port?.GetValueKind() == System.Text.Json.JsonValueKind.Number)
            {
                return port.GetValue<int>();
            }
        }

        return null;
    }

    /// <summary>The pod's <c>status</c> now, keeping condition transition times from <paramref name="previous"/>.</summary>
    public JsonObject Status(JsonObject? previous)
    {
        var states = Containers.Select(c => (Runner: c, State: c.State)).ToList();
        var restartPolicy = (string?)Pod["spec"]?["restartPolicy"] ?? "Always";
        var allTerminated = states.Count > 0 && states.All(s => s.State.Phase == "Terminated") && restartPolicy != "Always"
            && states.All(s => s.State.Terminated is not null);
        var phase = allTerminated
            ? (states.All(s => s.State.Terminated!.ExitCode == 0) ? "Succeeded" : "Failed")
            : states.Any(s => s.State.StartedAt is not null) ? "Running" : "Pending";
        var ready = states.Count > 0 && states.All(s => s.State.Ready);
        var now = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        var started = ObjectMeta.Timestamp(StartTime);
        JsonObject Condition(string type, bool status, string? reason = null)
        {
            var text = status ? "True" : "False";
            var old = (previous?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type);
            var at = old is not null && (string?)old["status"] == text ? (string?)old["lastTransitionTime"] ?? now : now;
            var condition = new JsonObject { ["type"] = type, ["status"] = text, ["lastProbeTime"] = null, ["lastTransitionTime"] = at };
            if (!status && reason is not null)
            {
                condition["reason"] = reason;
                condition["message"] = $"containers with unready status: [{string.Join(' ', states.Where(s => !s.State.Ready).Select(s => s.Runner.Name))}]";
            }

            return condition;
        }

        return new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", true),
                Condition("Initialized", true),
                Condition("Ready", ready, "ContainersNotReady"),
                Condition("ContainersReady", ready, "ContainersNotReady"),
                Condition("PodScheduled", true)),
            ["hostIP"] = "127.0.0.1",
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
            ["podIP"] = "127.0.0.1",
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
            ["startTime"] = started,
            ["qosClass"] = "BestEffort",
            ["containerStatuses"] = new JsonArray(states.Select(s => (JsonNode)ContainerStatus(s.Runner, s.State)).ToArray()),
        };
    }

    private static JsonObject ContainerStatus(ContainerRunner runner, ContainerState state)
    {
        var status = new JsonObject
        {
            ["name"] = runner.Name,
            ["image"] = runner.Image,
            ["imageID"] = "",
            ["ready"] = state.Ready,
            ["started"] = state.Phase == "Running",
            ["restartCount"] = state.RestartCount,
            ["state"] = state.Phase switch
            {
                "Running" => new JsonObject { ["running"] = new JsonObject { ["startedAt"] = ObjectMeta.Timestamp(state.StartedAt!.Value) } },
                "Terminated" when state.Terminated is { } t => new JsonObject { ["terminated"] = Terminated(t) },
                _ => new JsonObject { ["waiting"] = Waiting(state) },
            },
            ["lastState"] = state.LastTerminated is { } last ? new JsonObject { ["terminated"] = Terminated(last) } : new JsonObject(),
        };
        if (state.Pid is { } pid)
        {
            status["containerID"] = $"process://{pid}";
        }

        return status;
    }

    private static JsonObject Waiting(ContainerState state)
    {
        var waiting = new JsonObject { ["reason"] = state.Reason ?? "ContainerCreating" };
        if (state.Message is not null)
        {
            waiting["message"] = state.Message;
        }

        return waiting;
    }

    private static JsonObject Terminated(Termination t) => new()
    {
        ["exitCode"] = t.ExitCode,
        ["reason"] = t.Reason,
        ["startedAt"] = ObjectMeta.Timestamp(t.StartedAt),
        ["finishedAt"] = ObjectMeta.Timestamp(t.FinishedAt),
    };
}
