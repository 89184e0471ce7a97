using NATS.Client.Core;
using Npgsql;

namespace MetaEvolve.Gateway.Operability;

/// <summary>Ready = start-up work done, NATS connected and PostgreSQL answering.</summary>
public sealed class GatewayReadiness(INatsConnection nats, NpgsqlDataSource dataSource)
{
    private volatile string? _startupProblem = "starting";

    public bool Started => _startupProblem is null;

    public void StartupDone() => _startupProblem = null;

    public void StartupFailed(string problem) => _startupProblem = problem;

    public async Task<(bool Ready, string Detail)> CheckAsync(CancellationToken cancellationToken)
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
            return (false, $"PostgreSQL: {ex.Message}");
        }
        return (true, "ok");
    }
}
