using System.Collections.Concurrent;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>The logs of one container of a running pod: the current instance and the one before it.</summary>
public sealed record ContainerLogs(ContainerLog Current, ContainerLog? Previous);

/// <summary>
/// Where the API server's <c>pods/log</c> finds the output of the runner's processes, by pod uid and
/// container name. The runner registers and removes pods; a pod it does not run has no logs here.
/// </summary>
public sealed class PodLogRegistry
{
    private readonly ConcurrentDictionary<string, Func<string, ContainerLogs?>> _pods = new(StringComparer.Ordinal);

    public void Register(string podUid, Func<string, ContainerLogs?> containerLogs) => _pods[podUid] = containerLogs;

    public void Remove(string podUid) => _pods.TryRemove(podUid, out _);

    public ContainerLogs? Find(string podUid, string container) =>
        _pods.TryGetValue(podUid, out var logs) ? logs(container) : null;
}
