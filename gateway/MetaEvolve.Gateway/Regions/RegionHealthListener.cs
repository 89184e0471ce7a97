using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Gateway.Operability;

namespace MetaEvolve.Gateway.Regions;

/// <summary>
/// Keeps the gateway's <see cref="RegionHealthBoard"/> listening to every region's health announcements, from which
/// it chooses where new tasks run and whether this region reports ready. Without a region it only says so.
/// </summary>
public sealed class RegionHealthListener(RegionHealthBoard board, NatsNames names, ConnectionOptions connections, ILogger<RegionHealthListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (names.Region is null)
        {
            logger.LogInformation("Regions not in use: every task runs here");
            return;
        }
        GatewayMetrics.TrackRegionHealth(board, [names.Region, .. connections.Peers]);
        logger.LogInformation("Region {Region}: listening to region health on {Subject}", names.Region, names.AllRegionHealth);
        await board.RunAsync(stoppingToken);
    }
}
