using System.Collections.Concurrent;
using System.Diagnostics;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// Clients submitting tasks through the gateways at a steady rate, as a careful client does: each task with an
/// Idempotency-Key, and a refused or cut-off submission retried with the same key on the next gateway (the current
/// process of each, so a killed and restarted gateway is used again). Bounded by <c>total</c> tasks, by time, and by
/// <see cref="Retries"/> per task.
/// </summary>
internal sealed class SubmissionLoad(TaskBed bed, Func<int, ChildProcess> gatewayFor, int clients, double perSecond)
{
    public const int Retries = 30;

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<int, Guid> _byRequest = new();
    private int _refused;
    private int _twoTasks;

    /// <summary>Acknowledged tasks: id to the number of the request.</summary>
    public ConcurrentDictionary<Guid, int> Accepted { get; } = new();

    /// <summary>Requests not acknowledged after every retry.</summary>
    public int Refused => _refused;

    /// <summary>Requests acknowledged twice with different task ids (one key, two tasks): a duplicate.</summary>
    public int TwoTasks => _twoTasks;

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
                await SubmitOneAsync(i, body(i), cancellationToken);
            }
        }, cancellationToken)));
    }

    private async Task SubmitOneAsync(int i, string body, CancellationToken cancellationToken)
    {
        var key = $"request-{i}";
        for (var attempt = 0; attempt <= Retries; attempt++)
        {
            if (await bed.SubmitAsync(gatewayFor(i + attempt), body, key, cancellationToken) is { } id)
            {
                Accepted[id] = i;
                if (_byRequest.GetOrAdd(i, id) != id)
                {
                    Interlocked.Increment(ref _twoTasks);
                }
                return;
            }
            await Task.Delay(RetryPause, cancellationToken);
        }
        Interlocked.Increment(ref _refused);
    }
}
