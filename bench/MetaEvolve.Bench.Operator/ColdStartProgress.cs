using System.Diagnostics;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Storage;
using NATS.Client.JetStream;

namespace MetaEvolve.Bench.Operator;

/// <summary>
/// Follows the cold start from inside the control plane (store watches: no API requests, nothing in the request
/// record) and from JetStream: the moment every pool is reconciled — status.observedGeneration equals
/// metadata.generation and its children exist (each named child kind — per pool, or one per namespace like the
/// connection Secret — plus the consumer <c>pool-&lt;ns&gt;-&lt;pool&gt;</c>)
/// — and, separately, the moment every Agent is reconciled too (after which nothing should change).
/// </summary>
internal sealed class ColdStartProgress : IDisposable
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _reconciledPools = [];
    private readonly HashSet<string> _reconciledAgents = [];
    private readonly Dictionary<string, (HashSet<string> Names, int Expected)> _children;
    private readonly List<WatchSubscription> _subscriptions = [];
    private readonly TaskCompletionSource<long> _poolsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<long> _agentsDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];
    private readonly int _pools;
    private bool _consumersComplete;

    /// <param name="children">Per child kind: its resource, the name suffix of a pool's child (<c>-workers</c>) or the
    /// whole name of a namespace's one child, and how many are expected (the pools, or one).</param>
    public ColdStartProgress(ObjectStore store, string ns, int pools, GroupResource agentPools, GroupResource agents,
        IReadOnlyList<(GroupResource Resource, string Suffix, int Expected)> children)
    {
        _pools = pools;
        _children = children.ToDictionary(c => Key(c.Resource, c.Suffix), c => (new HashSet<string>(), c.Expected));
        Follow(store, agentPools, ns, (type, obj) => Track(_reconciledPools, type, obj, Reconciled(obj)));
        Follow(store, agents, ns, (type, obj) => Track(_reconciledAgents, type, obj, Reconciled(obj)));
        foreach (var (resource, suffix, _) in children)
        {
            var names = _children[Key(resource, suffix)].Names;
            Follow(store, resource, ns, (type, obj) =>
            {
                var name = (string?)obj["metadata"]?["name"] ?? "";
                if (name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    Track(names, type, obj, true);
                }
            });
        }
    }

    /// <summary>Stopwatch timestamp at which every pool was reconciled with all its children.</summary>
    public Task<long> PoolsReconciled => _poolsDone.Task;

    /// <summary>Stopwatch timestamp at which, in addition, every Agent was reconciled.</summary>
    public Task<long> AgentsReconciled => _agentsDone.Task;

    public string Describe()
    {
        lock (_gate)
        {
            return $"pools reconciled {_reconciledPools.Count}/{_pools}, agents reconciled {_reconciledAgents.Count}/{_pools}, "
                + string.Join(", ", _children.Select(c => $"{c.Key} {c.Value.Names.Count}/{c.Value.Expected}")) + $", consumers complete {_consumersComplete}";
        }
    }

    /// <summary>Polls the stream's consumer count (one cheap request) until every pool has its consumer.</summary>
    public async Task FollowConsumersAsync(INatsJSContext js, string stream, string ns, CancellationToken cancellationToken)
    {
        var prefix = $"pool-{ns}-";
        while (true)
        {
            try
            {
                var info = await js.GetStreamAsync(stream, cancellationToken: cancellationToken);
                if (info.Info.State.ConsumerCount >= _pools)
                {
                    var names = new HashSet<string>();
                    await foreach (var name in js.ListConsumerNamesAsync(stream, cancellationToken))
                    {
                        names.Add(name);
                    }

                    if (Enumerable.Range(0, _pools).All(i => names.Contains(prefix + PoolSeeder.PoolName(i))))
                    {
                        lock (_gate)
                        {
                            _consumersComplete = true;
                            CheckLocked();
                        }

                        return;
                    }
                }
            }
            catch (NatsJSApiException exception) when (exception.Error.Code == 404)
            {
                // The operator has not made the stream yet.
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static bool Reconciled(JsonObject obj) =>
        obj["status"]?["observedGeneration"] is { } observed && (long?)observed == (long?)obj["metadata"]?["generation"];

    private static string Key(GroupResource resource, string suffix) => $"{resource.Resource}{(resource.Group.Length == 0 ? "" : "." + resource.Group)} *{suffix}";

    private void Follow(ObjectStore store, GroupResource resource, string ns, Action<WatchEventType, JsonObject> onEvent)
    {
        var subscription = store.Watch(resource, ns, fromResourceVersion: null);
        _subscriptions.Add(subscription);
        _readers.Add(Task.Run(async () =>
        {
            await foreach (var e in subscription.Events.ReadAllAsync(_stop.Token))
            {
                if (e.Type != WatchEventType.Bookmark)
                {
                    onEvent(e.Type, e.Current);
                }
            }
        }));
    }

    private void Track(HashSet<string> set, WatchEventType type, JsonObject obj, bool member)
    {
        var name = (string?)obj["metadata"]?["name"] ?? "";
        lock (_gate)
        {
            if (type != WatchEventType.Deleted && member)
            {
                set.Add(name);
            }
            else
            {
                set.Remove(name);
            }

            CheckLocked();
        }
    }

    private void CheckLocked()
    {
        if (_reconciledPools.Count >= _pools && _consumersComplete && _children.Values.All(c => c.Names.Count >= c.Expected))
        {
            var now = Stopwatch.GetTimestamp();
            _poolsDone.TrySetResult(now);
            if (_reconciledAgents.Count >= _pools)
            {
                _agentsDone.TrySetResult(now);
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        try
        {
            Task.WaitAll([.. _readers], TimeSpan.FromSeconds(5));
        }
        catch (AggregateException exception) when (exception.InnerExceptions.All(e => e is OperationCanceledException))
        {
        }

        _stop.Dispose();
    }
}
