using System.Collections.Concurrent;
using System.Diagnostics;

namespace MetaEvolve.Bench.Runtime;

/// <summary>Publish and completion timestamps per task id; completion count signals the end of a run.</summary>
internal sealed class LatencyRecorder(int expected)
{
    private readonly ConcurrentDictionary<Guid, long> _published = new(Environment.ProcessorCount, expected);
    private readonly ConcurrentBag<double> _latenciesMs = [];
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _completed;

    public long FirstPublish { get; private set; }
    public long LastCompletion { get; private set; }

    public void Published(Guid id)
    {
        var now = Stopwatch.GetTimestamp();
        if (FirstPublish == 0)
        {
            FirstPublish = now;
        }
        _published[id] = now;
    }

    public void Completed(Guid id)
    {
        var now = Stopwatch.GetTimestamp();
        if (!_published.TryRemove(id, out var at))
        {
            return;
        }
        _latenciesMs.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
        if (Interlocked.Increment(ref _completed) == expected)
        {
            LastCompletion = now;
            _done.TrySetResult();
        }
    }

    public Task WhenDone(TimeSpan timeout) => _done.Task.WaitAsync(timeout);

    public int CompletedCount => Volatile.Read(ref _completed);

    public double Throughput => expected / Stopwatch.GetElapsedTime(FirstPublish, LastCompletion).TotalSeconds;

    public double Percentile(double p)
    {
        var sorted = _latenciesMs.ToArray();
        Array.Sort(sorted);
        return Bench.Percentile.Of(sorted, p);
    }
}
