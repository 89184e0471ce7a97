using MetaEvolve.Core.Regions;

namespace MetaEvolve.Operator.Regions;

/// <summary>
/// Keeps the operator's <see cref="RegionHealthBoard"/> listening to every region's announcements (this region's own
/// included), on leader and standby alike, so a new leader's forwarder knows the peers at once.
/// </summary>
public sealed class RegionHealthListener(RegionHealthBoard board, ILogger<RegionHealthListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await board.RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Listening to the regions' health failed; listening again in 2 s");
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
