using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using NATS.Client.JetStream;

namespace MetaEvolve.Gateway.Operability;

/// <summary>
/// Start-up work that needs the services: store migrations, a missing task stream and, with a region, the streams that
/// bring results home (<see cref="RegionStreams"/>; with <see cref="GatewayOptions.CreateStream"/> off, as in a cluster
/// where the operator ensures them, only when missing). Retried in the
/// background so the process starts (and reports not ready) while a service is still coming up.
/// </summary>
public sealed class GatewayStartup(
    GatewayOptions options,
    ConnectionOptions connections,
    NatsNames names,
    ILoggerFactory loggers,
    StoreMigrator migrator,
    INatsJSContext js,
    TaskQueueTopology topology,
    GatewayReadiness readiness,
    ILogger<GatewayStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (options.MigrateStore)
                {
                    await migrator.MigrateAsync(stoppingToken);
                }
                // NATS.Net connects on first use; with the stream owned by the operator (CreateStream false, as the
                // chart sets it) nothing else uses NATS before the first task, and /readyz would report the
                // connection Closed until then: the Deployment would never become Available.
                await js.Connection.ConnectAsync();
                if (options.CreateStream)
                {
                    await EnsureStreamAsync(stoppingToken);
                }
                if (names.Region is not null)
                {
                    await EnsureRegionStreamsAsync(stoppingToken);
                }
                readiness.StartupDone();
                logger.LogInformation("Gateway ready (stream {Stream}, schema {Schema})", topology.Stream, options.Schema);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                readiness.StartupFailed("start-up failed (see the log)");
                logger.LogWarning(ex, "Start-up failed; retrying in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    // Like the task stream: brought to this configuration when the gateway owns its streams (local use, tests), only
    // created when missing when the operator owns them (its replicas and peers win; a gateway that rewrote them would
    // undo the operator's settings on every start).
    private async Task EnsureRegionStreamsAsync(CancellationToken cancellationToken)
    {
        var streams = new RegionStreams(js, names, connections.Peers, options.TaskStream.Replicas, loggers.CreateLogger<RegionStreams>());
        if (!options.CreateStream)
        {
            try
            {
                await js.GetConsumerAsync(names.HomecomingStream, RegionStreams.HomecomingConsumer, cancellationToken);
                await js.GetStreamAsync(names.HomewardStream(names.Region!), cancellationToken: cancellationToken);
                return;
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                // Not there yet: created now, and the operator brings them to its settings.
            }
        }
        await streams.EnsureAsync(cancellationToken);
    }

    // Only a missing stream is created: in a cluster the operator owns the stream and its limits.
    private async Task EnsureStreamAsync(CancellationToken cancellationToken)
    {
        try
        {
            await js.GetStreamAsync(topology.Stream, cancellationToken: cancellationToken);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            await topology.EnsureStreamAsync(cancellationToken);
        }
    }
}
