using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using NATS.Client.Core;
using Npgsql;

namespace MetaEvolve.Gateway.Operability;

/// <summary>
/// Ready = start-up work done, NATS connected and PostgreSQL answering. The answer names which, never an exception's
/// text: /readyz is unauthenticated, and error messages can carry host names, users and SQL. The log has the detail.
/// /readyz/region adds, with a region, whether the region can take tasks and have them run
/// (<see cref="RegionHealthBoard.CanRunTasks"/>): a global load balancer or DNS health check that probes it sends clients
/// elsewhere when it cannot, and keeps sending them while its pools are down but a peer takes their work (the tasks
/// spill there). The pods' own readiness leaves the region out, so a region that cannot run tasks still answers for
/// the tasks it already holds.
/// </summary>
public sealed class GatewayReadiness(INatsConnection nats, NpgsqlDataSource dataSource, RegionHealthBoard regions, NatsNames names, ILogger<GatewayReadiness> logger)
{
    private volatile string? _startupProblem = "starting";

    public bool Started => _startupProblem is null;

    public void StartupDone() => _startupProblem = null;

    public void StartupFailed(string problem) => _startupProblem = problem;

    /// <param name="region">Also ask whether this region can run tasks (/readyz/region).</param>
    public async Task<(bool Ready, string Detail)> CheckAsync(bool region, CancellationToken cancellationToken)
    {
        if (_startupProblem is { } problem)
        {
            return (false, problem);
        }
        if (nats.ConnectionState != NatsConnectionState.Open)
        {
            return (false, $"NATS connection is {nats.ConnectionState}");
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogWarning("Readiness: PostgreSQL did not answer: {Problem}", ex.Message);
            return (false, "PostgreSQL unavailable");
        }
        if (region && names.Region is not null)
        {
            var canRun = regions.CanRunTasks(out var detail);
            return (canRun, $"region {names.Region}: {detail}");
        }
        return (true, "ok");
    }
}
