using MetaEvolve.Core.Tasks;
using Microsoft.Extensions.Logging;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Core.Regions;

/// <summary>
/// Publishes a recorded task where its envelope's <see cref="TaskEnvelope.Region"/> says it runs: here through
/// <see cref="TaskPublisher"/>, or in a peer through the peer's spill subject. A peer has taken a task only when the
/// PubAck comes from the peer's JetStream domain; a publish that times out or fails is tried once more under the same
/// message id (a timed-out publish may still have been stored: the peer's duplicate window drops the second copy).
/// When the peer still does not ack, the task is routed back here (<see cref="TaskRepository.RouteAsync"/>) and queued
/// locally: never lost. A peer that stored the timed-out copy after all runs the task too; both regions record a
/// result for the same id and the origin keeps the first one recorded (<see cref="TaskRepository.RecordHomecomingAsync"/>
/// and the workers' completions write only over a task that is not final).
/// </summary>
public sealed class TaskDispatcher(TaskPublisher publisher, TaskRepository tasks, NatsNames names, ILogger<TaskDispatcher> logger)
{
    /// <summary>How long one publish to a peer waits for its ack: a frozen peer would otherwise hold the submission for the client's whole request timeout.</summary>
    public static readonly TimeSpan PeerAckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Publishes the task where it runs. Throws what the local publish throws (<see cref="QueueFullException"/>, NATS
    /// errors) when the task is queued here; a peer's refusal or silence is never an error (the task is queued here).
    /// </summary>
    /// <remarks>Without a region, or for a task that runs here, this is the local publish itself: no extra await.</remarks>
    public Task PublishAsync(TaskEnvelope envelope, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return envelope.Region is { } region && names.Region is { } own && region != own
            ? SpillOrQueueHereAsync(envelope, region, own, messageId, cancellationToken)
            : publisher.PublishAsync(envelope, messageId, cancellationToken);
    }

    private async Task SpillOrQueueHereAsync(TaskEnvelope envelope, string peer, string own, string? messageId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            if (await TrySpillAsync(envelope, peer, messageId, attempt, cancellationToken))
            {
                return;
            }
        }
        // Recorded first: a row that says "here" with its message in a peer would only delay its result; a row that
        // says "peer" with the message here would send its result nowhere.
        await tasks.RouteAsync([envelope.Id], own, cancellationToken);
        logger.LogWarning("Region {Peer} did not take task {TaskId}; it is queued here in {Region}", peer, envelope.Id, own);
        await publisher.PublishAsync(envelope with { Region = own }, messageId, cancellationToken);
    }

    private async Task<bool> TrySpillAsync(TaskEnvelope envelope, string peer, string? messageId, int attempt, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PeerAckTimeout);
        PubAckResponse ack;
        try
        {
            ack = await publisher.PublishToPeerAsync(envelope, peer, messageId, timeout.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Sending task {TaskId} to region {Peer} got no ack (attempt {Attempt} of 2): {Reason}", envelope.Id, peer, attempt, ex.Message);
            return false;
        }
        if (ack.Error is { } error)
        {
            logger.LogWarning("Region {Peer} refused task {TaskId} (attempt {Attempt} of 2): {Code} {Description}", peer, envelope.Id, attempt, error.ErrCode, error.Description);
            return false;
        }
        if (ack.Domain != peer)
        {
            // A stream outside the peer stored it (a server without the spill mapping, or a stream that captures the
            // spill subjects): the peer's workers will not see it. Counted as not taken; the local copy runs it.
            logger.LogError("Task {TaskId} sent to region {Peer} was stored by domain {Domain}, stream {Stream}: check the spill mappings",
                envelope.Id, peer, ack.Domain ?? "(none)", ack.Stream);
            return false;
        }
        return true;
    }
}
