using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Config;
using NATS.Client.Core;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// The workers' <see cref="ConfigApplied"/> announcements for one agent, timed as they arrive here: which digest of one
/// skill each worker swapped in, and when. A skill version is served once every worker serving the agent announced it.
/// </summary>
internal sealed class AppliedSkillDigests : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Worker, string Digest, long At)> _applied = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _listener = Task.CompletedTask;

    private AppliedSkillDigests()
    {
    }

    /// <summary>Listens from now on; returns once the server has the subscription, so no later announcement is missed.</summary>
    /// <param name="subject">The agent's <see cref="MetaEvolve.Core.NatsNames.ConfigApplied"/> subject.</param>
    public static async Task<AppliedSkillDigests> ListenAsync(INatsConnection nats, string subject, string skill, CancellationToken cancellationToken)
    {
        var digests = new AppliedSkillDigests();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stop = digests._stop.Token;
        digests._listener = Task.Run(async () =>
        {
            await using var subscription = await nats.SubscribeCoreAsync<byte[]>(subject, cancellationToken: stop);
            await nats.PingAsync(stop);
            listening.SetResult();
            await foreach (var message in subscription.Msgs.ReadAllAsync(stop))
            {
                var notice = JsonNode.Parse(message.Data!)!;
                digests._applied.Enqueue(((string)notice["worker"]!, (string?)notice["skills"]?[skill] ?? "", Stopwatch.GetTimestamp()));
            }
        }, stop);
        await Task.WhenAny(listening.Task, digests._listener).Unwrap().WaitAsync(cancellationToken);
        return digests;
    }

    /// <summary>How many workers announced the agent at all (any digest, or none of the skill).</summary>
    public int Workers => _applied.Select(a => a.Worker).Distinct().Count();

    /// <summary>
    /// Waits until <paramref name="workers"/> workers announced <paramref name="digest"/> at or after
    /// <paramref name="since"/> (a <see cref="Stopwatch"/> timestamp).
    /// </summary>
    /// <returns>When the last of them did: each worker counts with its first announcement of the digest.</returns>
    public async Task<long> WhenServedAsync(string digest, int workers, long since, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var reached = _applied.Where(a => a.Digest == digest && a.At >= since).GroupBy(a => a.Worker).Select(g => g.Min(a => a.At)).ToList();
            if (reached.Count >= workers)
            {
                return reached.Order().Take(workers).Last();
            }

            if (Stopwatch.GetTimestamp() > until)
            {
                throw new TimeoutException($"{reached.Count} of {workers} workers applied {digest} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _listener;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
