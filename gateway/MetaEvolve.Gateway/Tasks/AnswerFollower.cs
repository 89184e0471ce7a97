using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// Follows a chat task's streamed answer for one listener, on any replica: subscribes to the task's deltas
/// (<see cref="NatsNames.AnswerStream"/>), confirms the subscription, then asks the worker running the task for the text
/// so far (<see cref="NatsNames.AnswerSoFar"/>), so deltas published after that answer are all received. Nobody
/// answering (queued, ended, or run without streaming) is no error: the recorded answer completes the text at the end.
/// </summary>
public sealed class AnswerFollower(INatsConnection nats, NatsNames names, ILogger<AnswerFollower> logger)
{
    private static readonly TimeSpan SoFarWait = TimeSpan.FromSeconds(2);

    public async Task<Feed> FollowAsync(Guid id, CancellationToken cancellationToken)
    {
        var deltas = await nats.SubscribeCoreAsync<byte[]>(names.AnswerStream(id), cancellationToken: cancellationToken);
        var splice = new AnswerSplice();
        var first = new List<AnswerEvent>();
        try
        {
            await nats.PingAsync(cancellationToken);
            var reply = await nats.RequestAsync<byte[], byte[]>(names.AnswerSoFar(id), [], replyOpts: new NatsSubOpts { Timeout = SoFarWait }, cancellationToken: cancellationToken);
            if (AnswerSoFar.Read(reply.Data ?? []) is { } soFar)
            {
                first.AddRange(splice.Take(soFar));
            }
        }
        catch (NatsNoRespondersException)
        {
        }
        catch (NatsNoReplyException)
        {
            logger.LogDebug("No text so far for task {TaskId} within {Wait}", id, SoFarWait);
        }
        catch
        {
            await deltas.DisposeAsync();
            throw;
        }

        return new Feed(deltas, splice, first);
    }

    /// <summary>One listener's view: the events ready now, and a wait for more.</summary>
    public sealed class Feed(INatsSub<byte[]> deltas, AnswerSplice splice, List<AnswerEvent> pending) : IAsyncDisposable
    {
        /// <summary>Completes when a delta may be ready (false when the subscription ended).</summary>
        public Task<bool> WaitAsync(CancellationToken cancellationToken) =>
            pending.Count > 0 ? Task.FromResult(true) : deltas.Msgs.WaitToReadAsync(cancellationToken).AsTask();

        /// <summary>The events of everything received so far.</summary>
        public IReadOnlyList<AnswerEvent> Drain()
        {
            var events = new List<AnswerEvent>(pending);
            pending.Clear();
            while (deltas.Msgs.TryRead(out var message))
            {
                if (AnswerDelta.Read(message.Data ?? []) is { } delta)
                {
                    events.AddRange(splice.Take(delta));
                }
            }

            return events;
        }

        /// <summary>The end of the answer, from the task's recorded one.</summary>
        public IReadOnlyList<AnswerEvent> Finish(string? recorded) => [.. Drain(), .. splice.Finish(recorded)];

        public ValueTask DisposeAsync() => deltas.DisposeAsync();
    }
}
