using System.Collections.Concurrent;
using System.Diagnostics;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// Clients submitting tasks through the gateways at a steady rate, each request to the next gateway in turn (the
/// current process of each, so a killed and restarted gateway is used again). Bounded by <c>total</c> tasks and by
/// time; a refused or failed submission is not retried (the client was told it was not taken).
/// </summary>
internal sealed class SubmissionLoad(TaskBed bed, Func<int, ChildProcess> gatewayFor, int clients, double perSecond)
{
    public ConcurrentDictionary<Guid, int> Accepted { get; } = new();

    public int Refused => _refused;

    private int _refused;

    /// <summary>Submits tasks 0 .. total-1; <paramref name="body"/> gives the request body of task i.</summary>
    public async Task RunAsync(int total, Func<int, string> body, TimeSpan limit, CancellationToken cancellationToken)
    {
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total && Stopwatch.GetElapsedTime(started) < limit && !cancellationToken.IsCancellationRequested)
            {
                var due = TimeSpan.FromSeconds(i / perSecond) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }
                if (await bed.SubmitAsync(gatewayFor(i), body(i), cancellationToken) is { } id)
                {
                    Accepted[id] = i;
                }
                else
                {
                    Interlocked.Increment(ref _refused);
                }
            }
        }, cancellationToken)));
    }
}
