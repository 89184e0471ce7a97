using System.Diagnostics;
using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Runs one reconciler: workers take keys from the work queue (one reconcile per key at a time, different keys in
/// parallel), call the reconciler with the cached object, and requeue as it asks — or with backoff when it throws.
/// Every <see cref="ControllerOptions.ResyncPeriod"/> each cached object is queued again, so drift that caused no
/// event (a child edited while the operator was not watching it, a store row lost) is repaired. Built by
/// <see cref="ControllerBuilder{T}"/>, which wires the watches that fill the queue.
/// </summary>
public sealed class Controller<T> : IController where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly string _kind;
    private readonly ObjectCache<T> _cache;
    private readonly IReconciler<T> _reconciler;
    private readonly ControllerOptions _settings;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _reconciles;

    public Controller(string kind, ObjectCache<T> cache, IReconciler<T> reconciler, ControllerOptions settings, OperatorMetrics metrics, ILogger logger, TimeProvider? time = null)
    {
        _kind = kind;
        _cache = cache;
        _reconciler = reconciler;
        _settings = settings;
        _metrics = metrics;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        Queue = new WorkQueue<ObjectKey>(settings.Queue, _time);
    }

    public WorkQueue<ObjectKey> Queue { get; }

    public string Kind => _kind;

    /// <summary>Reconciles run so far (tests use it to prove there is no hot loop).</summary>
    public long Reconciles => Interlocked.Read(ref _reconciles);

    public void Enqueue(ObjectKey key)
    {
        Queue.Add(key);
        _metrics.QueueDepth.WithLabels(_kind).Set(Queue.Depth);
    }

    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, _settings.Workers)).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None))
            .Append(ResyncAsync(cancellationToken)));

    // Called, not Task.Run: the timer exists once RunAsync returns, so a test's fake clock cannot advance past it unseen.
    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        if (_settings.ResyncPeriod <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(_settings.ResyncPeriod, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var item in _cache.List())
                {
                    Enqueue(ObjectKey.Of(item));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                key = await Queue.TakeAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _metrics.QueueDepth.WithLabels(_kind).Set(Queue.Depth);
            try
            {
                await ReconcileOneAsync(key, cancellationToken);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }

    private async Task ReconcileOneAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reconciles);
        var watch = Stopwatch.StartNew();
        using var scope = _logger.BeginScope(new Dictionary<string, object> { ["Kind"] = _kind, ["Namespace"] = key.Namespace, ["Name"] = key.Name });
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_settings.ReconcileTimeout);
            var result = await _reconciler.ReconcileAsync(key, _cache.Get(key), timeout.Token);
            Queue.Forget(key);
            if (result.RequeueAfter is { } delay)
            {
                Queue.AddAfter(key, delay);
                _metrics.Reconciles.WithLabels(_kind, "requeue").Inc();
            }
            else
            {
                _metrics.Reconciles.WithLabels(_kind, "success").Inc();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down or lost leadership: the next leader lists everything anyway.
        }
        catch (Exception exception)
        {
            var delay = Queue.AddRateLimited(key);
            _metrics.Reconciles.WithLabels(_kind, "error").Inc();
            _logger.LogWarning(exception, "Reconciling {Kind} {Namespace}/{Name} failed; retrying in {Delay}", _kind, key.Namespace, key.Name, delay);
        }
        finally
        {
            _metrics.ReconcileDuration.WithLabels(_kind).Observe(watch.Elapsed.TotalSeconds);
        }
    }

    public void Dispose() => Queue.Dispose();
}
