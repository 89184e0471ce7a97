using System.Net.Sockets;
using MetaEvolve.AgentRuntime.Operability;
using Npgsql;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Retries store calls through a PostgreSQL restart or network blip. Messages stay held (heartbeats keep them)
/// while the store is away, so nothing is nak'ed into a retry storm and nothing is acked unrecorded.
/// </summary>
internal sealed class StoreRetry(ReadinessState readiness, ILogger<StoreRetry> logger)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, string what, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await operation(cancellationToken);
                readiness.StoreHealthy(true);
                return result;
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                readiness.StoreHealthy(false);
                if (attempt == 1 || attempt % 10 == 0)
                {
                    logger.LogWarning(ex, "Store unavailable while {Operation} (attempt {Attempt}); retrying", what, attempt);
                }
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    public static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.IsTransient || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
        TimeoutException or IOException or SocketException => true,
        InvalidOperationException when ex.Message.Contains("connection", StringComparison.OrdinalIgnoreCase) => true,
        _ => false,
    };
}
