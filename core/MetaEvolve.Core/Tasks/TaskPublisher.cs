using System.Diagnostics;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Publishes task envelopes to JetStream with <c>Nats-Msg-Id</c> = task id, so a retried publish is stored once.
/// Shared by the gateway, the CLI, tests and benchmarks; the stream itself is <see cref="TaskQueueTopology"/>'s.
/// </summary>
public sealed class TaskPublisher(INatsJSContext js, NatsNames names)
{
    // JetStream's "store failed" family: the description says which limit was hit.
    private const int StreamStoreFailed = 10077;

    /// <summary>
    /// Publishes and waits for the stream's ack, in a publish span (<see cref="TaskTracing"/>). Fills in the envelope's
    /// trace context from <see cref="Activity.Current"/> when unset.
    /// Throws <see cref="QueueFullException"/> when a stream limit refuses the task. The message id defaults to
    /// the task id (a retried publish is stored once); a re-queue passes a fresh one.
    /// </summary>
    public async Task<TaskPublishResult> PublishAsync(TaskEnvelope envelope, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var (traced, body) = Prepare(envelope);
        var subject = names.Task(envelope.Namespace, envelope.Pool, envelope.Agent);
        using var span = TaskTracing.StartPublish(traced, subject);
        var ack = await js.PublishAsync(subject, body, headers: TaskTracing.Headers(span, traced),
            opts: new NatsJSPubOpts { MsgId = messageId ?? envelope.Id.ToString("D") }, cancellationToken: cancellationToken);
        ThrowIfRefused(ack, names.TaskStream);
        return new TaskPublishResult(envelope.Id, ack.Seq, ack.Duplicate);
    }

    /// <summary>
    /// Publishes the task to run in <paramref name="peer"/> (<see cref="NatsNames.Spill"/>: the peer's server maps it
    /// onto its task stream) and returns the ack as it came, refusals included: the caller decides whether the peer
    /// took it (<see cref="PubAckResponse.Domain"/> names the domain whose stream stored it).
    /// </summary>
    public async Task<PubAckResponse> PublishToPeerAsync(TaskEnvelope envelope, string peer, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentException.ThrowIfNullOrEmpty(peer);
        var (traced, body) = Prepare(envelope);
        var subject = names.Spill(peer, envelope.Namespace, envelope.Pool, envelope.Agent);
        using var span = TaskTracing.StartPublish(traced, subject);
        return await js.PublishAsync(subject, body, headers: TaskTracing.Headers(span, traced),
            opts: new NatsJSPubOpts { MsgId = messageId ?? envelope.Id.ToString("D") }, cancellationToken: cancellationToken);
    }

    private static (TaskEnvelope Envelope, byte[] Body) Prepare(TaskEnvelope envelope)
    {
        if (envelope.TraceParent is null && Activity.Current is { } activity)
        {
            envelope = envelope with { TraceParent = activity.Id, TraceState = activity.TraceStateString };
        }
        TaskEnvelopeCodec.Validate(envelope);
        return (envelope, TaskEnvelopeCodec.Encode(envelope));
    }

    public static void ThrowIfRefused(PubAckResponse ack, string stream)
    {
        ArgumentNullException.ThrowIfNull(ack);
        if (ack.Error is not { } error)
        {
            return;
        }
        if (IsQueueFull(error))
        {
            throw new QueueFullException($"task queue full: stream {stream} refused the task ({error.Description})");
        }
        throw new NatsJSApiException(error);
    }

    public static bool IsQueueFull(ApiError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var description = error.Description ?? "";
        return error.ErrCode == StreamStoreFailed
            || description.Contains("maximum messages", StringComparison.OrdinalIgnoreCase)
            || description.Contains("maximum bytes", StringComparison.OrdinalIgnoreCase)
            || description.Contains("resource limits exceeded", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Where the stream stored the task; <paramref name="Duplicate"/> when the same id was already published.</summary>
public sealed record TaskPublishResult(Guid TaskId, ulong Sequence, bool Duplicate);
