using System.Net.Sockets;
using System.Text;
using MetaEvolve.Core;
using Npgsql;

namespace MetaEvolve.Testing;

/// <summary>
/// One connection attempt per service. Each returns null when the service answers, else a message
/// naming the service, its address and how to start it. The timeout is generous: a probe's verdict
/// is cached for the whole test run, and on a 2-core machine running every test module at once a
/// healthy server can take seconds to accept a connection.
/// </summary>
public static class ServiceProbes
{
    private const string StartHint = "Start the local services with: hack/services.sh up";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Opens a connection with the configured credentials and runs <c>SELECT 1</c>.</summary>
    public static async Task<string?> PostgresAsync(ConnectionOptions connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        var builder = new NpgsqlConnectionStringBuilder(connections.Postgres)
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

    /// <summary>Reads the server's greeting and checks that JetStream is on.</summary>
    public static async Task<string?> NatsAsync(ConnectionOptions connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        // The first URL of a possibly comma-separated list is enough to tell whether a server runs.
        var url = connections.NatsUrl.Split(',', StringSplitOptions.TrimEntries)[0];
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

    /// <summary>Sends PING and expects PONG.</summary>
    public static async Task<string?> RedisAsync(ConnectionOptions connections)
    {
        ArgumentNullException.ThrowIfNull(connections);
        // StackExchange.Redis configuration: endpoints and key=value options, comma-separated.
        var endpoint = connections.Redis.Split(',', StringSplitOptions.TrimEntries)
            .FirstOrDefault(part => part.Length > 0 && !part.Contains('=', StringComparison.Ordinal));
        if (endpoint is null)
        {
            return $"Redis configuration '{connections.Redis}' ({ConnectionOptions.RedisVariable}) names no endpoint.";
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
        $"{service} is not reachable at {address}: {reason.TrimEnd('.')}. {StartHint} " +
        $"(and export its settings, e.g. eval \"$(hack/services.sh env)\"), or point {variable} at a running server.";
}
