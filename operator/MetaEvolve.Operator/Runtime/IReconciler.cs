using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>Drives one object of kind <typeparamref name="T"/> towards its spec. Throwing retries with backoff.</summary>
public interface IReconciler<in T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <param name="resource">The cached object, or null when it no longer exists.</param>
    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, T? resource, CancellationToken cancellationToken);
}

/// <summary>What the controller does after a reconcile that did not throw.</summary>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => new(null);

    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
