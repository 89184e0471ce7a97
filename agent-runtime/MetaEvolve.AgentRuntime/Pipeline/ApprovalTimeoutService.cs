using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Fails parked tasks nobody approved or rejected within their agent's <c>spec.approvalTimeoutSeconds</c>, and announces
/// them to waiters. Parked tasks hold no message and no worker, so a timer, not the queue, ends them; any worker may
/// run it (one UPDATE, guarded by the status, so two workers never fail a task twice).
/// </summary>
internal sealed class ApprovalTimeoutService(WorkerOptions options, TaskApprovals approvals, INatsConnection nats, NatsNames names, ILogger<ApprovalTimeoutService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ApprovalSweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    foreach (var id in await approvals.FailOverdueAsync(cancellationToken: stoppingToken))
                    {
                        logger.LogInformation("Task {TaskId} failed: its approval timed out", id);
                        var notice = new TaskResultNotice(id, TaskStates.Failed, "approval timed out");
                        await nats.PublishAsync(names.Result(id), JsonSerializer.SerializeToUtf8Bytes(notice, TaskJsonContext.Default.TaskResultNotice), cancellationToken: stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Failing overdue approvals failed; retrying at the next interval");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
