using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Runs a set of controllers and what feeds them, in the manner of controller-runtime's manager: one watch and one
/// cache per kind any controller declared (shared in <see cref="State"/>), the raw request sources, and the
/// controllers' work queues and workers. The operator makes a fresh one each time it becomes leader, so a new leader
/// starts from a full list.
/// </summary>
public sealed class ControllerManager(
    IKubernetes client,
    WatchOptions watch,
    ControllerOptions controllers,
    OperatorMetrics metrics,
    ILoggerFactory loggers) : IDisposable
{
    private readonly Dictionary<Type, (object Watcher, CacheOptions Options)> _watchers = [];
    private readonly List<Func<CancellationToken, Task>> _sources = [];
    private readonly List<IController> _controllers = [];
    private readonly List<IDisposable> _owned = [];
    private static readonly TimeSpan CacheSyncPoll = TimeSpan.FromMilliseconds(50);

    private readonly ILogger _watchLogger = loggers.CreateLogger<ControllerManager>();

    public ClusterState State { get; } = new();

    public IReadOnlyList<IController> Controllers => _controllers;

    /// <summary>Starts declaring the controller of kind <typeparamref name="T"/>.</summary>
    public ControllerBuilder<T> For<T>(CacheOptions? options = null) where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(this, options ?? new CacheOptions());

    /// <summary>The controller of kind <typeparamref name="T"/>.</summary>
    public Controller<T> ControllerFor<T>() where T : class, IKubernetesObject<V1ObjectMeta> =>
        _controllers.OfType<Controller<T>>().SingleOrDefault()
            ?? throw new InvalidOperationException($"no controller for {typeof(T).Name}");

    /// <summary>
    /// Runs every watch, source and controller until cancelled. As controller-runtime does, no controller's worker
    /// starts before every cache has had its first list: a reconcile would otherwise see a partial cluster (a pool
    /// without its agents, rolling out a template without their keys). Events that arrive meanwhile wait in the
    /// queues. A list that has not come back within <see cref="ControllerOptions.CacheSyncTimeout"/> fails the
    /// manager with <see cref="CacheSyncTimeoutException"/> naming the kinds, having started no controller.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stopSources = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sources = _sources.Select(run => Task.Run(() => run(stopSources.Token), CancellationToken.None)).ToList();
        try
        {
            await WaitForCacheSyncAsync(cancellationToken);
        }
        catch (Exception)
        {
            await stopSources.CancelAsync();
            await Task.WhenAll(sources);
            throw;
        }

        await Task.WhenAll(sources.Concat(_controllers.Select(controller => controller.RunAsync(cancellationToken))));
    }

    private async Task WaitForCacheSyncAsync(CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        while (!State.Synced)
        {
            if (DateTime.UtcNow - started > controllers.CacheSyncTimeout)
            {
                throw new CacheSyncTimeoutException(State.Unsynced, controllers.CacheSyncTimeout);
            }

            // Polled: a list is seconds at worst, and the wait happens once per leadership term.
            await Task.Delay(CacheSyncPoll, cancellationToken);
        }

        _watchLogger.LogInformation("Caches synced ({Count} kinds); starting the controllers", _watchers.Count);
    }

    /// <summary>The one watch of a kind; every controller that names the kind must ask for the same objects.</summary>
    internal ResourceWatcher<T> Watcher<T>(CacheOptions options) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (_watchers.TryGetValue(typeof(T), out var existing))
        {
            return existing.Options == options
                ? (ResourceWatcher<T>)existing.Watcher
                : throw new InvalidOperationException($"{typeof(T).Name} is declared twice with different cache options ({existing.Options} and {options}): one cache serves every controller");
        }

        var watcher = new ResourceWatcher<T>(WatchSources.For<T>(client, options), State.Add<T>(), watch, metrics, _watchLogger);
        _watchers[typeof(T)] = (watcher, options);
        _sources.Add(watcher.RunAsync);
        return watcher;
    }

    /// <summary>
    /// A loop that runs for this manager's term beside the watches (controller-runtime's Runnable): it starts with them,
    /// before the caches are synced, and is cancelled when the term ends. It should wait for <see cref="ClusterState.Synced"/>
    /// before it reads the caches.
    /// </summary>
    public void AddRunnable(Func<CancellationToken, Task> run) => _sources.Add(run);

    internal void Add(IRequestSource source, Action<ObjectKey> enqueue)
    {
        _sources.Add(cancellationToken => source.RunAsync(enqueue, cancellationToken));
        if (source is IDisposable disposable)
        {
            _owned.Add(disposable);
        }
    }

    internal Controller<T> Add<T>(IReconciler<T> reconciler) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var kind = ResourceKind.Of<T>().Kind;
        if (_controllers.Any(c => c.Kind == kind))
        {
            throw new InvalidOperationException($"{kind} already has a controller");
        }

        var controller = new Controller<T>(kind, State.Of<T>(), reconciler, controllers, metrics, loggers.CreateLogger($"Controller.{kind}"));
        _controllers.Add(controller);
        return controller;
    }

    public void Dispose()
    {
        foreach (var disposable in _owned.Concat(_controllers))
        {
            disposable.Dispose();
        }
    }
}
