using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Operability;

namespace MetaEvolve.Gateway.Tasks;

/// <summary>
/// Keeps the task outbox on every gateway replica: removes the entries of published tasks, and relays the entries
/// any submitter left behind. Replicas share the work through the table's row locks.
/// </summary>
public sealed class TaskOutboxService(
    GatewayOptions options,
    GatewayReadiness readiness,
    TaskOutboxRemovals removals,
    TaskOutboxRelay relay,
    GatewayMetrics metrics,
    ILogger<TaskOutboxService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(removals.RunAsync(stoppingToken), RelayAsync(stoppingToken));

    private async Task RelayAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.OutboxRelayInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!readiness.Started)
            {
                continue; // the outbox table may not exist before the migrations
            }
            try
            {
                int taken;
                do
                {
                    (taken, var published) = await relay.RelayDueAsync(stoppingToken);
                    metrics.Relayed(published);
                }
                while (taken == TaskOutboxRelay.BatchSize);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Reading the task outbox failed; retrying in {Interval}: {Reason}", options.OutboxRelayInterval, ex.Message);
            }
        }
    }
}
