using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Operability;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Gateway.Regions;

/// <summary>
/// Records the results of this region's tasks that ran in a peer, as they come home through the homecoming stream
/// (<see cref="RegionStreams"/>), and then announces each on its result subject exactly as a local worker does, so
/// waiters (<see cref="Tasks.TaskWatcher"/>) wake to the recorded row. The gateways of a region share one durable: each
/// result is taken by one of them, and one that is not acked (a gateway died, the store was away) is taken again;
/// recording it twice changes nothing (the first result recorded stays). Results appended while a link was down
/// arrive when it returns: the stream sources them from where it left off.
/// </summary>
public sealed class HomecomingService(
    INatsJSContext js,
    INatsConnection nats,
    NatsNames names,
    TaskRepository tasks,
    GatewayReadiness readiness,
    GatewayMetrics metrics,
    ILogger<HomecomingService> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (names.Region is null)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!readiness.Started)
            {
                // Start-up creates the streams and the durable (and the store's tables) first.
                await Task.Delay(RetryDelay, stoppingToken);
                continue;
            }
            try
            {
                var consumer = await js.GetConsumerAsync(names.HomecomingStream, RegionStreams.HomecomingConsumer, stoppingToken);
                await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = 64 }, cancellationToken: stoppingToken))
                {
                    await HandleAsync(message, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Reading results that came home failed; reading again in {Delay}: {Reason}", RetryDelay, ex.Message);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    private async Task HandleAsync(INatsJSMsg<byte[]> message, CancellationToken cancellationToken)
    {
        TaskHomecoming? result;
        try
        {
            result = message.Data is { Length: > 0 } data ? JsonSerializer.Deserialize(data, RegionJsonContext.Default.TaskHomecoming) : null;
        }
        catch (JsonException)
        {
            result = null;
        }
        if (result is null || result.Id == Guid.Empty || !TaskStates.IsFinal(result.Status))
        {
            // Never blocks the durable: terminated, not redelivered. The subject and sequence find it in the stream;
            // its body may carry a task's output, so it stays out of the log.
            logger.LogError("A result on {Subject} (stream sequence {Sequence}) is not a task result; dropped", message.Subject, message.Metadata?.Sequence.Stream);
            metrics.Homecoming("undecodable");
            await message.AckTerminateAsync(cancellationToken: cancellationToken);
            return;
        }
        HashSet<Guid> changed;
        try
        {
            changed = await tasks.RecordHomecomingAsync([result], cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Recording the result of task {TaskId} from region {Region} failed; it comes again: {Reason}", result.Id, result.Region, ex.Message);
            await message.NakAsync(delay: RetryDelay, cancellationToken: cancellationToken);
            return;
        }
        if (changed.Contains(result.Id))
        {
            metrics.Homecoming("recorded");
            await AnnounceAsync(result, cancellationToken);
        }
        else
        {
            metrics.Homecoming("already_recorded");
        }
        await message.AckAsync(cancellationToken: cancellationToken);
    }

    // After the commit, as a worker does: a waiter woken by it reads the final row. A lost notice delays a waiter only
    // until its wait ends (the row is final by then); it is no reason to take the result again.
    private async Task AnnounceAsync(TaskHomecoming result, CancellationToken cancellationToken)
    {
        try
        {
            await new TaskResultNotice(result.Id, result.Status, result.Error).PublishAsync(nats, names, cancellationToken);
        }
        catch (Exception ex) when (ex is NatsException or ObjectDisposedException)
        {
            logger.LogWarning("Could not announce the result of task {TaskId} that came home: {Reason}", result.Id, ex.Message);
        }
    }
}
