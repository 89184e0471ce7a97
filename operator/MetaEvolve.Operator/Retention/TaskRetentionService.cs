using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator.Hosting;
using MetaEvolve.Operator.Runtime;
using Prometheus;

namespace MetaEvolve.Operator.Retention;

/// <summary>
/// Runs the tasks-table upkeep (<see cref="TaskPartitionMaintenance"/>) while this instance leads, so old days are
/// dropped even when every pool rests at zero workers. Days held past retention are reported in
/// <c>metaevolve_task_partition_held_tasks</c>, one series per partition and reason.
/// </summary>
public sealed class TaskRetentionService(
    TaskRetentionOptions options,
    LeaderState leader,
    TaskPartitionMaintenance partitions,
    OperatorMetrics metrics,
    ILogger<TaskRetentionService> logger) : BackgroundService
{
    // Checked this often for leadership, so a new leader's first upkeep does not wait a whole interval.
    private static readonly TimeSpan LeadershipPoll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    private readonly Gauge _held = Metrics.WithCustomRegistry(metrics.Registry).CreateGauge(
        "metaevolve_task_partition_held_tasks",
        "Tasks that keep a daily task partition past its retention, by partition and reason (dead_lettered, queued, running).",
        "partition", "reason");

    private readonly HashSet<string> _reported = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(LeadershipPoll);
        var next = DateTime.MinValue;
        var wasLeader = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var isLeader = leader.IsLeader;
                if (isLeader && (!wasLeader || DateTime.UtcNow >= next))
                {
                    // A failed pass (the store still migrating, or away) is tried again within a minute.
                    var ran = await RunOnceAsync(stoppingToken);
                    next = DateTime.UtcNow + (ran ? options.Interval : TimeSpan.FromTicks(Math.Min(options.Interval.Ticks, RetryAfterFailure.Ticks)));
                }
                wasLeader = isLeader;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await partitions.RunAsync(options.DaysAhead, options.RetentionDays, cancellationToken) is { } upkeep)
            {
                Report(upkeep.Held);
            }
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Task partition upkeep failed; trying again soon");
            return false;
        }
    }

    private void Report(IReadOnlyList<HeldTaskPartition> held)
    {
        foreach (var partition in _reported.Except(held.Select(h => h.Name)).ToList())
        {
            foreach (var reason in new[] { "dead_lettered", "queued", "running" })
            {
                _held.RemoveLabelled(partition, reason);
            }
            _reported.Remove(partition);
        }
        foreach (var partition in held)
        {
            _held.WithLabels(partition.Name, "dead_lettered").Set(partition.DeadLettered);
            _held.WithLabels(partition.Name, "queued").Set(partition.Queued);
            _held.WithLabels(partition.Name, "running").Set(partition.Running);
            _reported.Add(partition.Name);
        }
    }
}
