using MetaEvolve.Core;
using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>Hears <see cref="NatsNames.Cancel"/> and cancels that task's token if it runs here.</summary>
internal sealed class CancelListener(INatsConnection nats, NatsNames names, InFlightRegistry registry, ILogger<CancelListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // NATS.Net resubscribes after a reconnect; the loop only guards against the subscription ending.
                await foreach (var message in nats.SubscribeAsync<byte[]>(names.AllCancels, cancellationToken: stoppingToken))
                {
                    var token = message.Subject.AsSpan(names.CancelPrefix.Length + 1);
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
