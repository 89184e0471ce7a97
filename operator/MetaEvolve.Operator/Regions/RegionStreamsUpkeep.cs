using MetaEvolve.Core.Regions;

namespace MetaEvolve.Operator.Regions;

/// <summary>
/// Makes sure, at the start of each leadership term, that the homeward and homecoming streams exist with this
/// operator's peers (<see cref="RegionStreams.EnsureAsync"/>); retried with backoff while NATS does not answer, so an
/// outage at start delays results coming home, never the controllers.
/// </summary>
public sealed class RegionStreamsUpkeep(RegionStreams streams, ILogger<RegionStreamsUpkeep> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await streams.EnsureAsync(cancellationToken);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(30, attempt * 2));
                logger.LogWarning(exception, "Making the region streams failed; retrying in {Delay}", delay);
                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
