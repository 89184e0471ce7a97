using System.Net;
using MetaEvolve.Core.Skills.Mcp;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// The one MCP client of a loaded Mcp skill version (by digest), shared by every agent and task of the worker that uses
/// it. Connected on first use; a call that finds the server unavailable drops the client, and the next call connects
/// again, so a server that comes back is used again without restarting the worker. Every exchange is bounded by the
/// skill's timeoutSeconds.
/// </summary>
internal sealed class McpSkillConnection(string skill, McpServerSettings settings, IReadOnlyDictionary<string, string> headers, ILogger logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private McpClient? _client;
    private bool _disposed;

    public McpServerSettings Settings => settings;

    /// <summary>The tools the allowlist exposes.</summary>
    /// <exception cref="McpServerUnavailableException">The server did not answer.</exception>
    public Task<IReadOnlyList<McpClientTool>> ListToolsAsync(CancellationToken cancellationToken) =>
        UseAsync((client, token) => McpServerClient.ListToolsAsync(client, settings, token), "listing the tools", cancellationToken);

    /// <exception cref="McpServerUnavailableException">The server did not answer (in time).</exception>
    public Task<CallToolResult> CallAsync(string tool, IReadOnlyDictionary<string, object?> arguments, CancellationToken cancellationToken) =>
        UseAsync(
            (client, token) => McpServerClient.Bounded(settings, $"calling {tool}", async t => await client.CallToolAsync(tool, arguments, cancellationToken: t), token),
            $"calling {tool}",
            cancellationToken);

    private async Task<T> UseAsync<T>(Func<McpClient, CancellationToken, Task<T>> exchange, string doing, CancellationToken cancellationToken)
    {
        var (client, reused) = await ClientAsync(cancellationToken);
        try
        {
            return await exchange(client, cancellationToken);
        }
        catch (McpServerUnavailableException exception)
        {
            await DropAsync(client);
            if (!reused || !SessionExpired(exception))
            {
                throw;
            }

            // The server forgot the session (it restarted): the request was refused before it ran, so it is safe to
            // send it once more on a new session. Any other failure may have happened after the tool ran: no retry.
            logger.LogInformation("MCP server of skill {Skill} no longer knows the session; reconnecting for {Doing}", skill, doing);
            (client, _) = await ClientAsync(cancellationToken);
            try
            {
                return await exchange(client, cancellationToken);
            }
            catch (McpServerUnavailableException)
            {
                await DropAsync(client);
                throw;
            }
        }
    }

    private async Task<(McpClient Client, bool Reused)> ClientAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { } current)
            {
                return (current, true);
            }

            _client = await McpServerClient.ConnectAsync(settings, headers, cancellationToken);
            logger.LogInformation("Connected to the MCP server of skill {Skill} at {Url}", skill, McpServerClient.Describe(settings));
            return (_client, false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DropAsync(McpClient client)
    {
        await _gate.WaitAsync();
        try
        {
            if (!ReferenceEquals(_client, client))
            {
                return;
            }

            _client = null;
        }
        finally
        {
            _gate.Release();
        }

        await DisposeQuietlyAsync(client);
    }

    private static bool SessionExpired(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException { StatusCode: HttpStatusCode.NotFound })
            {
                return true;
            }
        }

        return false;
    }

    private static async Task DisposeQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync();
        }
#pragma warning disable CA1031 // Closing a session with a server that is gone may fail; there is nothing left to do with it.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        McpClient? client;
        await _gate.WaitAsync();
        try
        {
            _disposed = true;
            client = _client;
            _client = null;
        }
        finally
        {
            _gate.Release();
        }

        if (client is not null)
        {
            await DisposeQuietlyAsync(client);
        }
    }
}
