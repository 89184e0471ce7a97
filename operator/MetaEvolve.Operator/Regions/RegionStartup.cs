using MetaEvolve.Core;

namespace MetaEvolve.Operator.Regions;

/// <summary>
/// Runs <see cref="RegionNameCheck"/> before the leader election starts: a collision stops the process with its message
/// (the host does not start), so no durable of this region is ever made on a name another region uses.
/// </summary>
public sealed class RegionStartup(RegionNameCheck check, NatsNames names, ILogger<RegionStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (names.Region is null)
        {
            return;
        }

        try
        {
            await check.CheckAsync(cancellationToken);
        }
        catch (RegionNameCollisionException exception)
        {
            logger.LogCritical("Refusing to start: {Problem}", exception.Message);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
