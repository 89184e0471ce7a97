using System.Collections.Concurrent;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Runtime;
using NATS.Client.Core;

namespace MetaEvolve.Operator.Scaling;

/// <summary>
/// Watches the queues of one leadership term's pools. Every poll interval it reads all pool consumers in one paged
/// request and asks for a pool reconcile only when the figures changed or a 0↔1 step is due, so an idle cluster costs
/// no Kubernetes requests. A pool kept at zero also listens to its own task subject: the first published task wakes
/// it at once instead of at the next poll.
/// </summary>
public sealed class PoolQueueMonitor(
    QueueLagReader reader,
    INatsConnection nats,
    ClusterState state,
    QueueSamples samples,
    OperatorOptions options,
    TimeProvider time,
    ILogger<PoolQueueMonitor> logger) : IRequestSource, IDisposable
{
    // The stream stores a message a moment after subscribers hear it; one late second look covers that gap.
    private static readonly TimeSpan WakeRecheck = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<ObjectKey, CancellationTokenSource> _wakeWatches = new();
    private readonly CancellationTokenSource _stop = new();
    private volatile Action<ObjectKey> _reconcile = _ => { };

    /// <summary>Polls until cancelled; <paramref name="enqueue"/> is told about each pool whose queue changed.</summary>
    public async Task RunAsync(Action<ObjectKey> enqueue, CancellationToken cancellationToken)
    {
        _reconcile = enqueue;
        using var stop = cancellationToken.Register(_stop.Cancel);
        using var timer = new PeriodicTimer(options.QueuePollInterval, time);
        try
        {
            do
            {
                try
                {
                    await PollAsync(_stop.Token);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Reading the pools' queues failed");
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The term ended.
        }
    }

    /// <summary>Reads every pool's consumer once and reconciles the pools whose queue changed or that must scale.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        IReadOnlyDictionary<(string Namespace, string Pool), QueueLag>? lags = null;
        string? failure = null;
        try
        {
            lags = await reader.ReadAllAsync(cancellationToken);
        }
        catch (QueueLagUnavailableException exception)
        {
            failure = exception.Message;
        }

        var live = new HashSet<ObjectKey>();
        foreach (var pool in state.Pools.List().Where(p => !Finalizers.IsDeleting(p)))
        {
            var key = ObjectKey.Of(pool);
            live.Add(key);
            // A pool never read is one the reconciler has not reached yet: it creates the consumer, and says so if it can't.
            var changed = lags is null ? samples.Fail(key, failure!, now)
                : lags.TryGetValue((key.Namespace!, key.Name), out var lag) ? samples.Record(key, lag)
                : samples.Get(key) is not null && samples.Fail(key, MissingConsumer(key), now);
            Changed(pool, key, changed, now);
        }

        foreach (var gone in samples.Pools.Where(k => !live.Contains(k)).ToList())
        {
            Forget(gone);
        }
    }

    /// <summary>Reads one pool's consumer now (a task arrived for an idle pool, or the reconciler just made it).</summary>
    public async Task SampleAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        bool changed;
        try
        {
            changed = samples.Record(key, await reader.ReadAsync(key.Namespace!, key.Name, cancellationToken));
        }
        catch (QueueLagUnavailableException exception)
        {
            changed = samples.Fail(key, exception.Message, now);
        }

        if (state.Pools.Get(key) is { } pool)
        {
            Changed(pool, key, changed, now);
        }
    }

    /// <summary>
    /// Keeps (or stops) a subscription to the pool's task subject while the pool sits at zero replicas, so a published
    /// task activates it without waiting for the next poll.
    /// </summary>
    public async Task WakeOnTaskAsync(V1Alpha1AgentPool pool, bool atZero, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var key = ObjectKey.Of(pool);
        if (!atZero)
        {
            StopWaking(key);
            return;
        }

        var watch = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        if (!_wakeWatches.TryAdd(key, watch))
        {
            watch.Dispose();
            return;
        }

        try
        {
            // Subscribed before this returns, so a task published after the pool reached zero is heard.
            var subscription = await nats.SubscribeCoreAsync<byte[]>(reader.Names.PoolFilter(key.Namespace!, key.Name), cancellationToken: cancellationToken);
            _ = Task.Run(() => ListenAsync(key, subscription, watch.Token), CancellationToken.None);
            logger.LogInformation("Pool {Pool} is at zero replicas; its next task starts a worker", key);
        }
        catch (Exception exception) when (exception is NatsException or OperationCanceledException)
        {
            StopWaking(key);
            logger.LogWarning(exception, "Could not listen for tasks of idle pool {Pool}; it wakes at the next queue poll", key);
        }
    }

    private async Task ListenAsync(ObjectKey key, INatsSub<byte[]> subscription, CancellationToken cancellationToken)
    {
        await using var _ = subscription;
        try
        {
            while (await subscription.Msgs.WaitToReadAsync(cancellationToken))
            {
                // A burst of tasks needs one look at the queue, not one per task.
                while (subscription.Msgs.TryRead(out var _))
                {
                }

                if (!await WakeAsync(key, cancellationToken))
                {
                    await Task.Delay(WakeRecheck, time, cancellationToken);
                    await WakeAsync(key, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The pool woke up, changed, or the term ended.
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Listening for tasks of idle pool {Pool} failed; it wakes at the next queue poll", key);
            StopWaking(key);
        }
    }

    /// <summary>Samples the pool; true when a 0→1 step is now due (and was asked for).</summary>
    private async Task<bool> WakeAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        await SampleAsync(key, cancellationToken);
        return state.Pools.Get(key) is { } pool && StepDue(pool, time.GetUtcNow().UtcDateTime);
    }

    private void Changed(V1Alpha1AgentPool pool, ObjectKey key, bool changed, DateTime now)
    {
        if (changed || StepDue(pool, now))
        {
            _reconcile(key);
        }
    }

    private bool StepDue(V1Alpha1AgentPool pool, DateTime now)
    {
        var deployment = state.Deployments.Get(new ObjectKey(pool.Metadata.NamespaceProperty, PoolNames.Deployment(pool)));
        return ZeroScaling.Decide(pool, deployment?.Spec.Replicas, samples.Get(ObjectKey.Of(pool)), now) is not null;
    }

    /// <summary>Drops a deleted pool's readings, gauges and task subscription.</summary>
    public void Forget(ObjectKey key)
    {
        samples.Forget(key);
        StopWaking(key);
    }

    private string MissingConsumer(ObjectKey key) =>
        $"pool {key} has no JetStream consumer {reader.Names.PoolConsumer(key.Namespace!, key.Name)} in stream {reader.Stream}";

    private void StopWaking(ObjectKey key)
    {
        if (_wakeWatches.TryRemove(key, out var watch))
        {
            watch.Cancel();
            watch.Dispose();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var key in _wakeWatches.Keys.ToList())
        {
            StopWaking(key);
        }

        _stop.Dispose();
    }
}
