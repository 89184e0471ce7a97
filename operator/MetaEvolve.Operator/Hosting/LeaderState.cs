namespace MetaEvolve.Operator.Hosting;

/// <summary>What this instance is doing now: standing by, or leading with a runtime (read by /readyz and tests).</summary>
public sealed class LeaderState
{
    private volatile OperatorRuntime? _runtime;

    public bool IsLeader => _runtime is not null;

    /// <summary>The runtime of the current leadership term, or null while standing by.</summary>
    public OperatorRuntime? Runtime => _runtime;

    /// <summary>Leadership terms this instance has held (a handover test counts them).</summary>
    public int Terms { get; private set; }

    internal void Lead(OperatorRuntime runtime)
    {
        Terms++;
        _runtime = runtime;
    }

    internal void StandBy() => _runtime = null;
}
