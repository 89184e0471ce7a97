using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>Runs the tasks-table upkeep on a timer; the advisory lock inside lets one worker of the cluster do it.</summary>
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
                    await partitions.RunAsync(options.PartitionDaysAhead, options.PartitionRetentionDays, stoppingToken);
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
