using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Creates the task partitions ahead on a timer, so inserts keep landing in their day even while the operator is
/// away; dropping old days is the operator leader's (<c>TaskRetentionService</c>). The advisory lock inside lets one
/// process of the cluster do it at a time.
/// </summary>
internal sealed class PartitionMaintenanceService(WorkerOptions options, TaskPartitionMaintenance partitions, ILogger<PartitionMaintenanceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PartitionMaintenanceInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await partitions.RunAsync(options.PartitionDaysAhead, retentionDays: null, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Task partition upkeep failed; retrying at the next interval");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
