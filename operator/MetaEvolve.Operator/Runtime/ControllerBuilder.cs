using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Declares one controller, in the manner of controller-runtime's builder: the kind it reconciles
/// (<see cref="ControllerManager.For{T}"/>), the kinds it <see cref="Owns{TChild}"/> (a child's change requeues its
/// controlling owner), and what else it <see cref="Watches{TOther}"/> with a mapping function from a changed object
/// to the keys it affects. <see cref="Complete"/> makes the controller; the manager lists, watches and caches every
/// kind named here once, however many controllers name it.
/// </summary>
public sealed class ControllerBuilder<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ControllerManager _manager;
    private readonly List<Action<Controller<T>>> _wiring = [];

    internal ControllerBuilder(ControllerManager manager, CacheOptions options)
    {
        _manager = manager;
        var watcher = manager.Watcher<T>(options);
        // Its own writes come back as events; so do status writes, which change nothing a reconcile reads.
        _wiring.Add(controller => watcher.Subscribe(change =>
        {
            if (!ChangeFilters.StatusOnly(change) && !ChangeFilters.AlreadyKnown(change))
            {
                controller.Enqueue(ObjectKey.Of(change.Current));
            }
        }));
    }

    /// <summary>Watches a child kind: a change to a child whose controlling owner reference names a <typeparamref name="T"/> requeues that owner.</summary>
    public ControllerBuilder<T> Owns<TChild>(CacheOptions? options = null) where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        var owner = ResourceKind.Of<T>();
        // A child the owner's reconcile just wrote (and remembered) needs no second look when its event arrives.
        return Watches<TChild>(child => OwnerReferences.ControllerOf(child.Metadata, owner) is { } key ? [key] : [], options,
            when: change => !ChangeFilters.AlreadyKnown(change));
    }

    /// <summary>
    /// Watches another kind: <paramref name="map"/> turns a changed object into the keys of <typeparamref name="T"/> to
    /// reconcile. It is called for the new and the previous version, so what an object stopped referring to is
    /// reconciled too. It runs on the watch's thread: read caches, never call the API server. <paramref name="when"/>,
    /// if given, picks the changes that matter (<see cref="ChangeFilters"/>); the others are not mapped.
    /// </summary>
    public ControllerBuilder<T> Watches<TOther>(Func<TOther, IEnumerable<ObjectKey>> map, CacheOptions? options = null, Func<ObjectChange<TOther>, bool>? when = null)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(map);
        var watcher = _manager.Watcher<TOther>(options ?? new CacheOptions());
        _wiring.Add(controller => watcher.Subscribe(change =>
        {
            if (when is not null && !when(change))
            {
                return;
            }

            foreach (var key in change.Versions.SelectMany(map).Distinct())
            {
                controller.Enqueue(key);
            }
        }));
        return this;
    }

    /// <summary>Takes reconcile requests from a source that is not a Kubernetes watch; the manager runs it.</summary>
    public ControllerBuilder<T> WatchesRawSource(IRequestSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _wiring.Add(controller => _manager.Add(source, controller.Enqueue));
        return this;
    }

    /// <summary>Makes the controller with its watches wired; the manager runs it.</summary>
    public Controller<T> Complete(IReconciler<T> reconciler)
    {
        ArgumentNullException.ThrowIfNull(reconciler);
        var controller = _manager.Add(reconciler);
        foreach (var wire in _wiring)
        {
            wire(controller);
        }

        return controller;
    }
}
