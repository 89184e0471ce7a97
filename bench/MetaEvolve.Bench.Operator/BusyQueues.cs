using System.Diagnostics;
using MetaEvolve.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Bench.Operator;

/// <summary>
/// Keeps every pool's queue moving for a while: one task message into each pool's subject every
/// <paramref name="round"/> (shorter than the operator's queue poll), so each poll finds every depth changed — the
/// traffic of 1,000 busy pools, without workers (nothing consumes, so each depth only grows).
/// </summary>
internal sealed class BusyQueues(INatsJSContext js, NatsNames names, string ns, int pools, TimeSpan round)
{
    /// <returns>Messages published.</returns>
    public async Task<int> RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var published = 0;
        var started = Stopwatch.GetTimestamp();
        var options = new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken };
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            var next = Task.Delay(round, cancellationToken);
            await Parallel.ForEachAsync(Enumerable.Range(0, pools), options, async (i, token) =>
            {
                var ack = await js.PublishAsync(names.Task(ns, PoolSeeder.PoolName(i), PoolSeeder.AgentName(i)), "{}"u8.ToArray(), cancellationToken: token);
                ack.EnsureSuccess();
                Interlocked.Increment(ref published);
            });
            await next;
        }

        return published;
    }
}
