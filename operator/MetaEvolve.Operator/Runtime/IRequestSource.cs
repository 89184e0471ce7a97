namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Asks for reconciles from something other than a Kubernetes watch (the pools' queue readings); a controller
/// declares it with <see cref="ControllerBuilder{T}.WatchesRawSource"/>.
/// </summary>
public interface IRequestSource
{
    /// <summary>Runs until cancelled, calling <paramref name="enqueue"/> with each key that needs a reconcile.</summary>
    public Task RunAsync(Action<ObjectKey> enqueue, CancellationToken cancellationToken);
}
