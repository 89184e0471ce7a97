using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator.Hosting;
using NATS.Client.Core;

namespace MetaEvolve.Operator.Approvals;

/// <summary>
/// Fails parked tasks nobody approved or rejected within their agent's <c>spec.approvalTimeoutSeconds</c>, and announces
/// each on its result subject for waiters (CLI <c>--wait</c>, SSE, MCP calls). A parked task holds no message and no
/// worker, so a timer ends it; the leader runs it, so it happens also in namespaces whose pools rest at zero workers.
/// The UPDATE is guarded by the status: a decision that races the deadline, or a second sweep, never fails a task twice.
/// </summary>
public sealed class ApprovalTimeoutSweep(
    OperatorOptions options,
    LeaderState leader,
    TaskApprovals approvals,
    INatsConnection nats,
    NatsNames names,
    ILogger<ApprovalTimeoutSweep> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ApprovalSweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (leader.IsLeader)
                {
                    await SweepAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var id in await approvals.FailOverdueAsync(cancellationToken: cancellationToken))
            {
                logger.LogInformation("Task {TaskId} failed: its approval timed out", id);
                await new TaskResultNotice(id, TaskStates.Failed, "approval timed out").PublishAsync(nats, names, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The store away or still migrating: the tasks stay parked and overdue, and the next tick fails them.
            logger.LogWarning(exception, "Failing overdue approvals failed; trying again at the next interval");
        }
    }
}
