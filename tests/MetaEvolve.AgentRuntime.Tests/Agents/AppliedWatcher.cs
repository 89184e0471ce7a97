using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>Collects the workers' <see cref="ConfigApplied"/> announcements for one namespace.</summary>
public sealed class AppliedWatcher : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppliedWatcher(INatsConnection nats, string subject) => _loop = Task.Run(() => LoopAsync(nats, subject));

    public ConcurrentQueue<(JsonObject Notice, DateTimeOffset ReceivedAt)> Notices { get; } = new();

    public static async Task<AppliedWatcher> StartAsync(INatsConnection nats, NatsNames names, string ns)
    {
        var watcher = new AppliedWatcher(nats, names.ConfigApplied(ns, "*"));
        await watcher._subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return watcher;
    }

    private async Task LoopAsync(INatsConnection nats, string subject)
    {
        try
        {
            await using var subscription = await nats.SubscribeCoreAsync<byte[]>(subject, cancellationToken: _stop.Token);
            await nats.PingAsync(_stop.Token);
            _subscribed.TrySetResult();
            await foreach (var message in subscription.Msgs.ReadAllAsync(_stop.Token))
            {
                Notices.Enqueue((JsonNode.Parse(message.Data)!.AsObject(), DateTimeOffset.UtcNow));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits until <paramref name="workers"/> distinct workers announced a snapshot matching <paramref name="match"/>.</summary>
    public async Task<IReadOnlyList<(JsonObject Notice, DateTimeOffset ReceivedAt)>> WaitAsync(Func<JsonObject, bool> match, int workers = 1, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var hits = Notices.Where(n => match(n.Notice)).GroupBy(n => (string)n.Notice["worker"]!).Select(g => g.First()).ToList();
            if (hits.Count >= workers)
            {
                return hits;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"{hits.Count} of {workers} workers applied the change; notices: {string.Join(" | ", Notices.Select(n => n.Notice.ToJsonString()))}");
            }

            await Task.Delay(20);
        }
    }

    public static bool HasSkill(JsonObject notice, string skill, string digest) => (string?)notice["skills"]?[skill] == digest;

    public static bool HasAgentDigest(JsonObject notice, string digest) => (string?)notice["agentDigest"] == digest;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    public static string Serialize(object value) => JsonSerializer.Serialize(value);
}
