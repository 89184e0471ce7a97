using System.Net.Sockets;
using System.Text;
using MetaEvolve.Core;
using Npgsql;
using Xunit;

namespace MetaEvolve.Testing;

/// <summary>
/// Gate for tests that need a real service. Each <c>Require…Async</c> connects once per process
/// (short timeout). When the service cannot be reached the test fails with a message naming the
/// service, its address and the command that starts it if <c>CI=true</c>, and is skipped with that
/// message otherwise: it never passes without having run.
/// </summary>
public static class Services
{
    private const string StartHint = "Start the local services with: hack/services.sh up";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    private static readonly Lazy<Task<string?>> Postgres = new(ProbePostgresAsync);
    private static readonly Lazy<Task<string?>> Nats = new(ProbeNatsAsync);
    private static readonly Lazy<Task<string?>> Redis = new(ProbeRedisAsync);

    /// <summary>The settings tests connect with (the environment, with the script's defaults).</summary>
    public static ConnectionOptions Connections { get; } = ConnectionOptions.FromEnvironment();

    /// <summary>True when the environment says this is a CI run, where a missing service is a failure.</summary>
    public static bool IsCi =>
        Environment.GetEnvironmentVariable("CI") is { } ci
        && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    public static Task RequirePostgresAsync() => RequireAsync(Postgres);

    public static Task RequireNatsAsync() => RequireAsync(Nats);

    public static Task RequireRedisAsync() => RequireAsync(Redis);

    private static async Task RequireAsync(Lazy<Task<string?>> probe)
    {
        var problem = await probe.Value;
        if (problem is null)
        {
            return;
        }

        if (IsCi)
        {
            Assert.Fail(problem);
        }

        Assert.Skip(problem);
    }

    private static async Task<string?> ProbePostgresAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(Connections.Postgres)
        {
            Timeout = (int)ConnectTimeout.TotalSeconds,
            Pooling = false,
        };
        var address = $"{builder.Host}:{builder.Port} (database {builder.Database}, user {builder.Username})";
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
            return null;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or SocketException)
        {
            return Unreachable("PostgreSQL", address, ConnectionOptions.PostgresVariable, exception.Message);
        }
    }

    private static async Task<string?> ProbeNatsAsync()
    {
        // The first URL of a possibly comma-separated list is enough to tell whether a server runs.
        var url = Connections.NatsUrl.Split(',', StringSplitOptions.TrimEntries)[0];
        if (!Uri.TryCreate(url.Contains("://", StringComparison.Ordinal) ? url : "nats://" + url, UriKind.Absolute, out var uri))
        {
            return $"NATS URL '{url}' ({ConnectionOptions.NatsUrlVariable}) is not a valid URL.";
        }

        var port = uri.Port > 0 ? uri.Port : 4222;
        var address = $"{uri.Host}:{port}";
        try
        {
            // A NATS server greets every client with one INFO line describing itself.
            var greeting = await ReadGreetingAsync(uri.Host, port, request: null);
            if (!greeting.StartsWith("INFO ", StringComparison.Ordinal))
            {
                return Unreachable("NATS", address, ConnectionOptions.NatsUrlVariable, $"unexpected greeting '{greeting}'");
            }

            return greeting.Contains("\"jetstream\":true", StringComparison.Ordinal)
                ? null
                : $"NATS at {address} runs without JetStream; tests need it (nats-server -js). {StartHint}";
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return Unreachable("NATS", address, ConnectionOptions.NatsUrlVariable, exception.Message);
        }
    }

    private static async Task<string?> ProbeRedisAsync()
    {
        // StackExchange.Redis configuration: endpoints and key=value options, comma-separated.
        var endpoint = Connections.Redis.Split(',', StringSplitOptions.TrimEntries)
            .FirstOrDefault(part => part.Length > 0 && !part.Contains('=', StringComparison.Ordinal));
        if (endpoint is null)
        {
            return $"Redis configuration '{Connections.Redis}' ({ConnectionOptions.RedisVariable}) names no endpoint.";
        }

        var separator = endpoint.LastIndexOf(':');
        var host = separator > 0 ? endpoint[..separator] : endpoint;
        var port = separator > 0 && int.TryParse(endpoint[(separator + 1)..], out var parsed) ? parsed : 6379;
        var address = $"{host}:{port}";
        try
        {
            var reply = await ReadGreetingAsync(host, port, request: "PING\r\n");
            // NOAUTH still proves a Redis server answers; credentials are the client's business.
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal)
                ? null
                : Unreachable("Redis", address, ConnectionOptions.RedisVariable, $"unexpected reply '{reply}'");
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return Unreachable("Redis", address, ConnectionOptions.RedisVariable, exception.Message);
        }
    }

    // Connects, optionally sends a request, and returns the first line the server sends.
    private static async Task<string> ReadGreetingAsync(string host, int port, string? request)
    {
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, timeout.Token);
        var stream = client.GetStream();
        if (request is not null)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadLineAsync(timeout.Token) ?? string.Empty;
    }

    private static string Unreachable(string service, string address, string variable, string reason) =>
        $"{service} is not reachable at {address} ({reason}). {StartHint} " +
        $"(and export its settings, e.g. eval \"$(hack/services.sh env)\"), or point {variable} at a running server.";
}
