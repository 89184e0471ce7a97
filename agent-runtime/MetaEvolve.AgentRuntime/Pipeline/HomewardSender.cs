using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using NATS.Client.JetStream;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Sends the result of a task submitted in another region home: appends it, as a <see cref="TaskHomecoming"/>, to
/// this region's homeward stream (<see cref="NatsNames.Homeward"/>), which the origin sources across the link. Called
/// after the result is recorded here and before the message is acked, and again on every redelivery of a task already
/// recorded: a worker that died between the two leaves nothing behind, and the message id (task and attempt) makes a
/// second append a duplicate the stream drops. The core result notice is not enough: it is lost while the link is down.
/// </summary>
internal sealed class HomewardSender(INatsJSContext js, NatsNames names, TaskRepository repository, ILogger<HomewardSender> logger)
{
    /// <summary>How long an append waits for this region's PubAck before the message is left for redelivery.</summary>
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>True when <paramref name="envelope"/> came from another region, so its result must be sent home.</summary>
    public bool FromElsewhere(TaskEnvelope? envelope) =>
        envelope?.Origin is { } origin && names.Region is { } here && origin != here;

    /// <summary>
    /// Appends the task's recorded result for its origin; true when it is appended (or the row holds no result to
    /// send: a stale attempt whose write did not land), false when the message must not be acked yet.
    /// </summary>
    public async Task<bool> SendAsync(TaskEnvelope envelope, CancellationToken cancellationToken)
    {
        var here = names.Region!;
        var origin = envelope.Origin!;
        try
        {
            // The row, not the completion: a redelivery knows only that the result is recorded, and the row has the
            // times and attempt count the origin should show.
            if (await repository.GetAsync(envelope.Id, cancellationToken) is not { } row || !TaskStates.IsFinal(row.Status))
            {
                return true;
            }
            var result = new TaskHomecoming
            {
                Id = row.Id,
                Status = row.Status,
                OutputJson = row.OutputJson,
                Error = row.Error,
                DeadLettered = row.DeadLettered,
                Attempts = row.Attempts,
                PromptTokens = row.PromptTokens,
                CompletionTokens = row.CompletionTokens,
                Region = here,
                StartedAt = row.StartedAt,
                FinishedAt = row.FinishedAt,
            };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(AckTimeout);
            var ack = await js.PublishAsync(names.Homeward(here, origin, row.Id), JsonSerializer.SerializeToUtf8Bytes(result, RegionJsonContext.Default.TaskHomecoming),
                opts: new NatsJSPubOpts { MsgId = result.MessageId }, cancellationToken: timeout.Token);
            if (ack.Error is { } error)
            {
                logger.LogWarning("Region {Region}'s homeward stream refused the result of task {TaskId}: {Code} {Description}; it is sent again on redelivery",
                    here, row.Id, error.ErrCode, error.Description);
                return false;
            }
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Sending the result of task {TaskId} home to region {Origin} failed; it is sent again on redelivery: {Reason}", envelope.Id, origin, ex.Message);
            return false;
        }
    }
}
