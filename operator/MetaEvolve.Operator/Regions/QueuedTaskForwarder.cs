using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator.Runtime;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Operator.Regions;

/// <summary>
/// Moves the queued tasks of this region's failed-over pools (unavailable past their failoverAfterSeconds, as this
/// region last announced them) to the first peer whose same-named pool takes work. Tasks are taken through the pool's
/// own durable (a work-queue stream refuses a second consumer on the same subjects), republished with the same body,
/// headers and <c>Nats-Msg-Id</c> = task id to the peer's spill subject, and acknowledged here only after the peer's
/// stream acked them (a PubAck from the peer's domain), with the task recorded as routed to the peer in between. A
/// publish without such an ack is given back (NAK with a delay) and retried in a later round with the same id, which
/// the peer drops as a duplicate if the earlier publish was stored after all. A message that is not a task envelope
/// moves all the same: the peer's worker records why it is malformed. Runs for one leadership term.
/// </summary>
public sealed class QueuedTaskForwarder(
    INatsConnection nats,
    NatsNames names,
    RegionHealthBoard board,
    TaskRepository tasks,
    OperatorMetrics metrics,
    OperatorOptions options,
    TimeProvider time,
    ILogger<QueuedTaskForwarder> logger)
{
    private readonly NatsJSContext _js = new(nats);

    /// <summary>Messages taken from a pool's durable at once.</summary>
    public const int Batch = 64;

    /// <summary>How long one fetch waits for the pool's next queued task before the round moves on.</summary>
    public static readonly TimeSpan FetchWait = TimeSpan.FromSeconds(1);

    /// <summary>How long a peer may take to ack one publish: a frozen peer holds a publish this long, once per pool and round.</summary>
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a task that could not move waits before it is delivered again (to a worker here, or to the next round);
    /// longer than <see cref="FetchWait"/>, so the round that gave it back does not take it again.
    /// </summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (names.Region is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.RegionHealthInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await ForwardOnceAsync(cancellationToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Moving queued tasks of failed-over pools failed; trying again at the next interval");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The term ended.
        }
    }

    /// <summary>One round over this region's failed-over pools; returns how many tasks moved.</summary>
    public async Task<int> ForwardOnceAsync(CancellationToken cancellationToken)
    {
        if (names.Region is not { } region || board.Current(region) is not { } own)
        {
            return 0;
        }

        var moved = 0;
        foreach (var pool in own.Pools.Where(p => p.FailedOver))
        {
            if (board.PeerFor(pool) is { } peer)
            {
                moved += await ForwardPoolAsync(pool, peer, cancellationToken);
            }
        }

        return moved;
    }

    private async Task<int> ForwardPoolAsync(PoolHealth pool, string peer, CancellationToken cancellationToken)
    {
        // Every delivery counts against the durable's maxDeliver: take no task while the peer's JetStream does not answer.
        if (!await PeerAnswersAsync(peer, cancellationToken))
        {
            return 0;
        }

        var consumer = await _js.GetConsumerAsync(names.TaskStream, names.PoolConsumer(pool.Namespace, pool.Pool), cancellationToken);
        var maxDeliver = consumer.Info.Config.MaxDeliver;
        var moved = 0;
        while (true)
        {
            // Each message is moved (and acked) as it arrives: the durable's max ack pending (replicas × concurrency) would
            // hold back the rest of a batch collected first, and the first ones would be redelivered meanwhile.
            var fetched = 0;
            var failed = false;
            await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = Batch, Expires = FetchWait }, cancellationToken: cancellationToken))
            {
                fetched++;
                if (failed)
                {
                    // The peer did not take an earlier one; the rest wait for the next round too.
                    await GiveBackAsync(message, maxDeliver, cancellationToken);
                }
                else if (await ForwardAsync(message, pool, peer, maxDeliver, cancellationToken))
                {
                    moved++;
                }
                else
                {
                    failed = true;
                }
            }

            if (failed || fetched < Batch)
            {
                if (moved > 0)
                {
                    logger.LogInformation("Moved {Count} queued task(s) of failed-over pool {Namespace}/{Pool} to region {Peer}", moved, pool.Namespace, pool.Pool, peer);
                }

                return moved;
            }
        }
    }

    private async Task<bool> ForwardAsync(INatsJSMsg<byte[]> message, PoolHealth pool, string peer, long maxDeliver, CancellationToken cancellationToken)
    {
        var taskId = TaskIdOf(message.Data);
        var messageId = taskId?.ToString("D") ?? $"{names.Region}-{message.Metadata?.Sequence.Stream}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PeerTimeout);
        try
        {
            var ack = await _js.PublishAsync(SpillSubject(message.Subject, peer), message.Data ?? [], headers: CopyHeaders(message.Headers),
                opts: new NatsJSPubOpts { MsgId = messageId }, cancellationToken: timeout.Token);
            if (ack.Error is { } error || ack.Domain != peer)
            {
                logger.LogWarning("Task {MessageId} of {Namespace}/{Pool} was not taken by region {Peer} (ack from domain '{Domain}': {Error}); retrying later",
                    messageId, pool.Namespace, pool.Pool, peer, ack.Domain, ack.Error?.Description ?? "not the peer's");
                await GiveBackAsync(message, maxDeliver, cancellationToken);
                return false;
            }

            if (taskId is { } id)
            {
                await tasks.RouteAsync([id], peer, cancellationToken);
            }
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Task {MessageId} of {Namespace}/{Pool} could not move to region {Peer} ({Problem}); retrying later",
                messageId, pool.Namespace, pool.Pool, peer, exception is OperationCanceledException ? $"no ack within {PeerTimeout.TotalSeconds:0} s" : exception.Message);
            await GiveBackAsync(message, maxDeliver, cancellationToken);
            return false;
        }

        await message.AckAsync(new AckOpts { DoubleAck = true }, cancellationToken);
        metrics.TasksForwarded.WithLabels(pool.Namespace, pool.Pool, peer).Inc();
        return true;
    }

    private async Task<bool> PeerAnswersAsync(string peer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PeerTimeout);
        try
        {
            await new NatsJSContext(nats, new NatsJSOpts(nats.Opts, domain: peer)).GetAccountInfoAsync(timeout.Token);
            return true;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Region {Peer}'s JetStream does not answer ({Problem}); queued tasks stay here this round", peer,
                exception is OperationCanceledException ? $"no answer within {PeerTimeout.TotalSeconds:0} s" : exception.Message);
            return false;
        }
    }

    private static Guid? TaskIdOf(byte[]? body)
    {
        try
        {
            return TaskEnvelopeCodec.Decode(body).Id;
        }
        catch (InvalidTaskException)
        {
            return null;
        }
    }

    /// <summary>The peer's spill subject for a task subject: <c>&lt;root&gt;.tasks.X</c> becomes <c>&lt;root&gt;.spill.&lt;peer&gt;.tasks.X</c>.</summary>
    private string SpillSubject(string subject, string peer) =>
        names.TryParseTask(subject, out var ns, out var pool, out var agent)
            ? names.Spill(peer, ns, pool, agent)
            : $"{names.Root}.spill.{peer}.{subject[(names.Root.Length + 1)..]}";

    /// <summary>The task's own headers (trace context and the like); JetStream's control headers are the publish's own.</summary>
    private static NatsHeaders? CopyHeaders(NatsHeaders? headers)
    {
        if (headers is null)
        {
            return null;
        }

        var copy = new NatsHeaders();
        foreach (var (key, value) in headers.Where(h => !h.Key.StartsWith("Nats-", StringComparison.OrdinalIgnoreCase)))
        {
            copy[key] = value;
        }

        return copy;
    }

    /// <summary>
    /// Gives a task that could not move back to the queue — unless this was its last delivery: the forwarder's
    /// deliveries count against the durable's max_deliver as a worker's do, and JetStream never delivers a message after
    /// its last one. Such a task is recorded here as a dead letter (retryable through the gateway) and taken off the stream.
    /// </summary>
    private async Task GiveBackAsync(INatsJSMsg<byte[]> message, long maxDeliver, CancellationToken cancellationToken)
    {
        if (maxDeliver > 0 && (long)(message.Metadata?.NumDelivered ?? 0) >= maxDeliver)
        {
            await RecordUndeliverableAsync(message, maxDeliver, cancellationToken);
            await message.AckTerminateAsync(cancellationToken: cancellationToken);
            return;
        }

        try
        {
            await message.NakAsync(new AckOpts { NakDelay = RetryDelay }, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Unacked all the same: it is delivered again after the consumer's ack wait.
            logger.LogDebug(exception, "NAK of a task that could not move failed");
        }
    }

    private async Task RecordUndeliverableAsync(INatsJSMsg<byte[]> message, long maxDeliver, CancellationToken cancellationToken)
    {
        var reason = $"its pool had no ready worker and no peer took it within its {maxDeliver} deliveries";
        try
        {
            var envelope = TaskEnvelopeCodec.Decode(message.Data);
            await tasks.CompleteAsync([new TaskCompletion(envelope.Id, TaskStates.Failed, Error: $"dead-lettered: {reason}", DeadLettered: true)], cancellationToken);
            logger.LogWarning("Task {TaskId} of {Subject} dead-lettered: {Reason}", envelope.Id, message.Subject, reason);
        }
        catch (InvalidTaskException invalid)
        {
            // What a worker records for a message that is no task: a failed task holding the raw body.
            _ = names.TryParseTask(message.Subject, out var ns, out var pool, out var agent);
            var id = TaskIds.NewId();
            await tasks.RecordInvalidAsync(id, ns, pool, agent is "" ? "unknown" : agent, message.Data is { } data ? System.Text.Encoding.UTF8.GetString(data) : "",
                $"invalid task: {invalid.Message}", cancellationToken);
            logger.LogWarning("Invalid task message {Subject} (stream sequence {Sequence}) recorded as {TaskId}: {Reason}",
                message.Subject, message.Metadata?.Sequence.Stream, id, reason);
        }
    }
}
