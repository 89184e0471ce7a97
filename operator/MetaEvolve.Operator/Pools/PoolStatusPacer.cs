using System.Collections.Concurrent;
using k8s;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// Bounds a busy pool's status writes. status.queue changes on every queue poll of a pool whose work moves, and each
/// write is a PATCH to the API server and a watch event to every watcher (Argo CD included): 1,000 busy pools polled
/// every 5 s would be 200 writes a second. A change confined to status.queue is written at most once per
/// <see cref="OperatorOptions.StatusInterval"/> per pool; any other change — a condition, replicas, agents, the
/// observed generation — is written at once, with the latest queue figures. Per leadership term: a new leader's first
/// write of each pool is not held.
/// </summary>
public sealed class PoolStatusPacer(OperatorOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<ObjectKey, DateTimeOffset> _lastWrites = new();

    /// <summary>
    /// What to write now: <paramref name="desired"/>, or — while the interval since this pool's last write runs and
    /// only the queue figures differ from <paramref name="written"/> — <paramref name="desired"/> with the written
    /// queue (so nothing is written), together with the time until the held figures are due (reconcile again then).
    /// </summary>
    public (V1Alpha1AgentPoolStatus Status, TimeSpan? HeldFor) Pace(ObjectKey key, V1Alpha1AgentPoolStatus? written, V1Alpha1AgentPoolStatus desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        if (options.StatusInterval <= TimeSpan.Zero || written is null || !_lastWrites.TryGetValue(key, out var last)
            || StatusWriter.SameJson(written, desired))
        {
            return (desired, null);
        }

        var held = KubernetesJson.Deserialize<V1Alpha1AgentPoolStatus>(KubernetesJson.Serialize(desired));
        held.Queue = written.Queue;
        var left = last + options.StatusInterval - time.GetUtcNow();
        return left > TimeSpan.Zero && StatusWriter.SameJson(written, held) ? (held, left) : (desired, null);
    }

    /// <summary>Notes that the pool's status was just written.</summary>
    public void Written(ObjectKey key) => _lastWrites[key] = time.GetUtcNow();

    public void Forget(ObjectKey key) => _lastWrites.TryRemove(key, out _);
}
