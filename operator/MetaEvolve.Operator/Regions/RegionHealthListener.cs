using MetaEvolve.Core.Regions;

namespace MetaEvolve.Operator.Regions;

/// <summary>
/// Keeps the operator's <see cref="RegionHealthBoard"/> listening to every region's announcements (this region's own
/// included), on leader and standby alike, so a new leader's forwarder knows the peers at once.
/// </summary>
public sealed class RegionHealthListener(RegionHealthBoard board) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => board.RunAsync(stoppingToken);
}
