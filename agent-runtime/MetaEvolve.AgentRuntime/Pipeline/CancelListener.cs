using MetaEvolve.Core.Tasks;
using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>Hears <c>metaevolve.cancel.&lt;id&gt;</c> and cancels that task's token if it runs here.</summary>
internal sealed class CancelListener(INatsConnection nats, InFlightRegistry registry, ILogger<CancelListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // NATS.Net resubscribes after a reconnect; the loop only guards against the subscription ending.
                await foreach (var message in nats.SubscribeAsync<byte[]>(TaskSubjects.AllCancels, cancellationToken: stoppingToken))
                {
                    var token = message.Subject.AsSpan(TaskSubjects.CancelPrefix.Length + 1);
                    if (Guid.TryParse(token, out var id) && registry.FindByTaskId(id) is { } task)
                    {
                        logger.LogInformation("Cancelling running task {TaskId}", id);
                        task.RequestCancel();
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Cancel subscription failed; resubscribing");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }
}
