using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// Removes the outbox entries of published messages in batches, off the submitter's path (a submission costs no
/// extra round trip). A removal that is lost only lets a relay publish a copy later, which the stream drops as a
/// duplicate or the claim refuses to run a second time.
/// </summary>
public sealed class TaskOutboxRemovals(TaskOutbox outbox, ILogger<TaskOutboxRemovals> logger)
{
    private const int MaxBatch = 1024;

    private readonly Channel<string> _pending = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Marks the entry of a message the stream has stored.</summary>
    public void Published(string messageId) => _pending.Writer.TryWrite(messageId);

    /// <summary>Removes marked entries until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<string>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync(cancellationToken))
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var messageId))
            {
                batch.Add(messageId);
            }
            try
            {
                await outbox.RemoveAsync(batch, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Removing {Count} published outbox entries failed; relays will find their tasks published: {Reason}", batch.Count, ex.Message);
            }
            batch.Clear();
        }
    }
}
