using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// The node agent of the dev control plane: every Pod (the machine is the only node) runs as local
/// processes in a <see cref="PodSandbox"/>. It publishes each replica's real ports on the Pod, keeps
/// the Pod's status true, serves its output to <c>pods/log</c>, and stops the processes when the Pod
/// is deleted. Pods journaled by an earlier run are started again, as a rebooted node does. With
/// <see cref="ServiceAccountCredentials"/>, pods get a token and kubeconfig for their ServiceAccount.
/// </summary>
public sealed class LocalKubelet(ResourceOperations operations, PodLogRegistry logs, WorkloadOptions options, ServiceAccountCredentials? credentials,
    ILogger<LocalKubelet> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PodSandbox> _sandboxes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _stopping = new(StringComparer.Ordinal);
    private readonly PendingKeys<(string Namespace, string Name, string Uid)> _statusQueue = new();
    private readonly PortAllocator _ports = new();
    private readonly HttpClient _probeClient = new(new SocketsHttpHandler
    {
        // Probes, like the kubelet's, do not verify certificates.
#pragma warning disable CA5359
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
#pragma warning restore CA5359
        AllowAutoRedirect = false,
    });
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private ResourceType Pods { get; } = operations.Registry.Find("", "v1", "pods")!;

    public void Start()
    {
        _loops.Add(StoreWatch.Run(operations.Store, Pods.GroupResource, OnPod, logger, _stop.Token));
        _loops.Add(StoreWatch.Work(_statusQueue, WriteStatusAsync, logger, _stop.Token));
        foreach (var source in new[] { "secrets", "configmaps" })
        {
            // Volumes follow their Secret or ConfigMap, as the kubelet's periodic sync makes them (here at once).
            _loops.Add(StoreWatch.Run(operations.Store, new GroupResource("", source), e =>
            {
                foreach (var sandbox in _sandboxes.Values)
                {
                    sandbox.OnSourceChanged(source, e.Key.Namespace, e.Key.Name);
                }
            }, logger, _stop.Token));
        }
    }

    /// <summary>Processes running now (tests count them).</summary>
    public IReadOnlyCollection<PodSandbox> Sandboxes => _sandboxes.Values.ToList();

    private void OnPod(WatchEvent e)
    {
        var pod = e.Current;
        var uid = ObjectMeta.Uid(pod);
        if (e.Type == WatchEventType.Deleted || ObjectMeta.IsDeleting(pod))
        {
            Stop(uid);
            return;
        }

        if (_sandboxes.ContainsKey(uid) || _stopping.ContainsKey(uid) || (string?)pod["status"]?["phase"] is "Succeeded" or "Failed")
        {
            return;
        }

        var sandbox = new PodSandbox(operations.Store, pod, options, _ports, new Prober(_probeClient), credentials, logger);
        _sandboxes[uid] = sandbox;
        var key = (ObjectMeta.Namespace(pod), ObjectMeta.Name(pod), uid);
        sandbox.Changed += () => _statusQueue.Add(key);
        logs.Register(uid, sandbox.Logs);
        operations.Mutate(Pods, key.Item1, key.Item2, p =>
        {
            var meta = ObjectMeta.Metadata(p);
            if (meta["annotations"] is not JsonObject annotations)
            {
                annotations = [];
                meta["annotations"] = annotations;
            }

            annotations[ReplicaPorts.Annotation] = sandbox.Ports.Format();
            if (p["spec"] is JsonObject spec && spec["nodeName"] is null)
            {
                spec["nodeName"] = options.NodeName;
            }

            p["status"] = sandbox.Status(p["status"] as JsonObject);
        });
        sandbox.Start();
    }

    private void Stop(string uid)
    {
        if (!_sandboxes.TryRemove(uid, out var sandbox))
        {
            return;
        }

        logger.LogInformation("Stopping pod {Namespace}/{Pod} (grace period {Grace}s)",
            ObjectMeta.Namespace(sandbox.Pod), ObjectMeta.Name(sandbox.Pod), sandbox.GracePeriod.TotalSeconds);
        _stopping[uid] = Task.Run(async () =>
        {
            try
            {
                await sandbox.StopAsync();
                sandbox.Dispose();
            }
            finally
            {
                logs.Remove(uid);
                _stopping.TryRemove(uid, out _);
            }
        });
    }

    private Task WriteStatusAsync((string Namespace, string Name, string Uid) key, CancellationToken cancellationToken)
    {
        if (!_sandboxes.TryGetValue(key.Uid, out var sandbox))
        {
            return Task.CompletedTask;
        }

        operations.Mutate(Pods, key.Namespace, key.Name, p =>
        {
            if (ObjectMeta.Uid(p) == key.Uid && !ObjectMeta.IsDeleting(p))
            {
                p["status"] = sandbox.Status(p["status"] as JsonObject);
            }
        });
        return Task.CompletedTask;
    }

    /// <summary>Stops every process within its grace period, capped at the shutdown grace period, as a node shutting down.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        foreach (var (uid, sandbox) in _sandboxes.ToList())
        {
            sandbox.ShutdownGracePeriod = options.ShutdownGracePeriod;
            Stop(uid);
        }

        await Task.WhenAll(_stopping.Values.ToList());
        _probeClient.Dispose();
        _stop.Dispose();
    }
}
