using System.Collections.Concurrent;
using System.Diagnostics;

namespace MetaEvolve.Bench.Gateway;

/// <summary>
/// <c>concurrency</c> clients, each submitting a task and awaiting its end before the next (a closed loop): latency
/// per task from submission to result, throughput as tasks over the wall time of the whole run.
/// </summary>
internal sealed class ClosedLoop(int tasks, int concurrency)
{
    public async Task<RunResult> RunAsync(Func<int, Task> oneTask)
    {
        var latencies = new ConcurrentBag<double>();
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < tasks)
            {
                var at = Stopwatch.GetTimestamp();
                await oneTask(i);
                latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            }
        })));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        return new RunResult(sorted, tasks / seconds);
    }
}

internal sealed record RunResult(double[] SortedLatenciesMs, double Throughput)
{
    public double Percentile(double p) =>
        SortedLatenciesMs.Length == 0 ? double.NaN : SortedLatenciesMs[Math.Clamp((int)Math.Ceiling(p * SortedLatenciesMs.Length) - 1, 0, SortedLatenciesMs.Length - 1)];
}
