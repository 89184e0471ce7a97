using System.Diagnostics;
using MetaEvolve.AgentRuntime.Operability;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;
using Npgsql;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Keeps long tasks ours: every third of the ack wait, sends an in-progress ack for each held message older
/// than that, and asks the store whether any of them was cancelled (the flag is the durable cancel; the NATS
/// notice is only the fast path and is lost when NATS is down).
/// </summary>
internal sealed class ProgressHeartbeat(
    WorkerOptions options,
    InFlightRegistry registry,
    TaskRepository repository,
    ReadinessState readiness,
    NpgsqlDataSource dataSource,
    ILogger<ProgressHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.AckWait / 3;
        using var timer = new PeriodicTimer(period);
        var running = new List<Guid>();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                running.Clear();
                foreach (var task in registry.Snapshot())
                {
                    if (Stopwatch.GetElapsedTime(task.ReceivedAt) < period)
                    {
                        continue;
                    }
                    try
                    {
                        await task.Message.AckProgressAsync(cancellationToken: stoppingToken);
                    }
                    catch (Exception ex) when (ex is NatsException or ObjectDisposedException)
                    {
                        logger.LogDebug(ex, "In-progress ack for message {Sequence} failed", task.StreamSequence);
                    }
                    if (task.Envelope is not null && !task.CancelRequested)
                    {
                        running.Add(task.TaskId);
                    }
                }
                await PollCancellationsAsync(running, stoppingToken);
                await ProbeStoreAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // After an outage with no tasks flowing, nothing else would notice that the store is back.
    private async Task ProbeStoreAsync(CancellationToken cancellationToken)
    {
        if (readiness.IsStoreHealthy)
        {
            return;
        }
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            readiness.StoreHealthy(true);
        }
        catch (Exception ex) when (StoreRetry.IsTransient(ex))
        {
            logger.LogDebug(ex, "Store still unavailable");
        }
    }

    private async Task PollCancellationsAsync(List<Guid> running, CancellationToken cancellationToken)
    {
        if (running.Count == 0)
        {
            return;
        }
        try
        {
            foreach (var id in await repository.CancelRequestedAsync(running, cancellationToken))
            {
                registry.FindByTaskId(id)?.RequestCancel();
            }
        }
        catch (Exception ex) when (StoreRetry.IsTransient(ex))
        {
            logger.LogDebug(ex, "Could not poll cancellation flags");
        }
    }
}
