using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// The budget of one sandboxed call on one thread. Once tripped it stays tripped, so a stop cannot be
/// undone by skill code that manages to drop the exception on the floor.
/// </summary>
public sealed class SkillCallBudget
{
    private readonly long _deadline;
    private readonly long _allocationStart;
    private readonly long _maxAllocated;
    private readonly int _maxArrayLength;
    private readonly TimeSpan _timeout;
    private readonly CancellationToken _cancellation;
    private SkillBudgetExceededException? _tripped;

    internal SkillCallBudget(SkillLimits limits, CancellationToken cancellation)
    {
        _timeout = limits.Timeout;
        _deadline = Stopwatch.GetTimestamp() + (long)(limits.Timeout.TotalSeconds * Stopwatch.Frequency);
        _allocationStart = GC.GetAllocatedBytesForCurrentThread();
        _maxAllocated = limits.MaxAllocatedBytes;
        _maxArrayLength = limits.MaxArrayLength;
        _cancellation = cancellation;
    }

    internal bool IsTripped => _tripped is not null;

    internal void Check()
    {
        if (_tripped is not null)
        {
            throw Rethrowable(_tripped);
        }

        // A frame check rather than a depth counter: it measures what actually kills the process (stack
        // space), needs no bookkeeping on method exit, and also covers recursion through framework callbacks.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Trip(SkillStopReason.RecursionTooDeep, "skill call stopped: recursion too deep (stack nearly exhausted)");
        }

        if (Stopwatch.GetTimestamp() > _deadline)
        {
            throw Trip(SkillStopReason.Timeout, $"skill call stopped: time limit of {_timeout.TotalMilliseconds:0} ms exceeded");
        }

        if (_cancellation.IsCancellationRequested)
        {
            throw Trip(SkillStopReason.Cancelled, "skill call stopped: cancelled");
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - _allocationStart;
        if (allocated > _maxAllocated)
        {
            throw Trip(SkillStopReason.AllocationBudget, $"skill call stopped: allocated {allocated / (1024 * 1024)} MB, limit {_maxAllocated / (1024 * 1024)} MB");
        }
    }

    internal int CheckArrayLength(long length)
    {
        Check();
        if (length > _maxArrayLength)
        {
            throw Trip(SkillStopReason.ArrayTooLarge, $"skill call stopped: array of {length} elements exceeds the limit of {_maxArrayLength}");
        }

        return (int)Math.Max(length, -1);
    }

    /// <summary>What is left of the time budget (at least a millisecond, so a regex still gets to fail fast).</summary>
    internal TimeSpan Remaining()
    {
        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline);
        return left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1);
    }

    internal void ThrowIfTripped()
    {
        if (_tripped is not null)
        {
            throw Rethrowable(_tripped);
        }
    }

    private SkillBudgetExceededException Trip(SkillStopReason reason, string message)
    {
        _tripped ??= new SkillBudgetExceededException(reason, message);
        return Rethrowable(_tripped);
    }

    // A fresh instance per throw keeps stack traces honest; reason and message stay those of the first trip.
    private static SkillBudgetExceededException Rethrowable(SkillBudgetExceededException first) => new(first.Reason, first.Message);
}
