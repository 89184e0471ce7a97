using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace MetaEvolve.Core.Skills.Mcp;

/// <summary>
/// Connecting to an Mcp skill's server and listing its tools, the same way in the operator (status) and the workers
/// (kernel functions). No logger reaches the SDK's transport, so header values are never logged.
/// </summary>
public static class McpServerClient
{
    /// <exception cref="McpServerUnavailableException">The server did not answer within the skill's timeout.</exception>
    public static async Task<McpClient> ConnectAsync(McpServerSettings settings, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(headers);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = settings.Url,
            TransportMode = settings.Sse ? HttpTransportMode.Sse : HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase),
            ConnectionTimeout = settings.Timeout,
        });
        var options = new McpClientOptions
        {
            ClientInfo = new Implementation { Name = "metaevolve", Version = "v1alpha1" },
            InitializationTimeout = settings.Timeout,
        };
        return await Bounded(settings, "connecting", token => McpClient.CreateAsync(transport, options, cancellationToken: token), cancellationToken);
    }

    /// <summary>The server's tools the allowlist exposes, in the server's order.</summary>
    /// <exception cref="McpServerUnavailableException">The server did not answer within the skill's timeout.</exception>
    public static async Task<IReadOnlyList<McpClientTool>> ListToolsAsync(McpClient client, McpServerSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        var tools = await Bounded(settings, "listing the tools", async token => await client.ListToolsAsync(cancellationToken: token), cancellationToken);
        return [.. tools.Where(t => settings.Exposes(t.Name))];
    }

    /// <summary>A tool as <c>status.functions</c> reports it: its parameters and the ones its input schema requires.</summary>
    public static SkillFunctionInfo Describe(Tool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        var schema = tool.InputSchema;
        var parameters = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
            ? properties.EnumerateObject().Select(p => p.Name).ToList()
            : [];
        var required = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var names) && names.ValueKind == JsonValueKind.Array
            ? names.EnumerateArray().Select(n => n.GetString() ?? "").ToList()
            : [];
        return new SkillFunctionInfo(tool.Name, tool.Description, parameters, required);
    }

    /// <summary>Runs one exchange with the server under the skill's timeout, reporting a failure of the server as unavailable.</summary>
    public static async Task<T> Bounded<T>(McpServerSettings settings, string doing, Func<CancellationToken, Task<T>> exchange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(exchange);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        try
        {
            return await exchange(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new McpServerUnavailableException($"MCP server {Describe(settings)} did not answer {doing} within {settings.Timeout.TotalSeconds:0}s");
        }
        catch (Exception exception) when (IsUnavailable(exception))
        {
            throw new McpServerUnavailableException($"MCP server {Describe(settings)} did not answer {doing}: {Innermost(exception)}", exception);
        }
    }

    /// <summary>
    /// Failures of the server or the way to it, as opposed to an error the server answered with
    /// (<see cref="McpProtocolException"/>: unknown tool, bad arguments).
    /// </summary>
    public static bool IsUnavailable(Exception exception) =>
        exception is HttpRequestException or IOException or TimeoutException or ObjectDisposedException
        || (exception is McpException && exception is not McpProtocolException);

    /// <summary>The URL without its query or user info, which may carry what should have been a header.</summary>
    public static string Describe(McpServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new UriBuilder(settings.Url) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.ToString();
    }

    private static string Innermost(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message);
        }

        return string.Join(": ", messages.Distinct());
    }
}
