using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Hosting;

/// <summary>What this instance is doing now: standing by, or leading with a controller manager (read by /readyz and tests).</summary>
public sealed class LeaderState
{
    private volatile ControllerManager? _manager;
    private int _timesLed;

    public bool IsLeader => _manager is not null;

    /// <summary>The controller manager this instance runs while it leads; null while it stands by.</summary>
    public ControllerManager? Manager => _manager;

    /// <summary>How often this instance has become leader (a handover test counts it).</summary>
    public int TimesLed => Volatile.Read(ref _timesLed);

    internal void Lead(ControllerManager manager)
    {
        Interlocked.Increment(ref _timesLed);
        _manager = manager;
    }

    internal void StandBy() => _manager = null;
}
