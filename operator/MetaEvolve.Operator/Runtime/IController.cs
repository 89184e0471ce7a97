namespace MetaEvolve.Operator.Runtime;

/// <summary>What the manager needs of a controller of any kind.</summary>
public interface IController : IDisposable
{
    public string Kind { get; }

    /// <summary>Reconciles run so far (tests use it to prove there is no hot loop).</summary>
    public long Reconciles { get; }

    public Task RunAsync(CancellationToken cancellationToken);
}
