using System.Collections.Concurrent;
using System.ComponentModel;
using MetaEvolve.DevCluster.Local;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;

namespace MetaEvolve.Testing;

/// <summary>
/// A real MCP server for tests, built with the official SDK (ModelContextProtocol.AspNetCore) on Kestrel at
/// <c>http://127.0.0.1:&lt;port&gt;/mcp</c> (streamable HTTP, stateful sessions; the older SSE transport at <c>/mcp/sse</c>).
/// Its tools are <see cref="TestTools"/>. With a required key, a request without the header <see cref="KeyHeader"/>
/// carrying it gets 401. It can be stopped and started again on the same port, as a server that goes down and comes
/// back (which forgets its sessions).
/// </summary>
public sealed class McpTestServer : IAsyncDisposable
{
    public const string KeyHeader = "X-Mcp-Key";

    private readonly string? _requiredKey;
    private WebApplication? _app;

    private McpTestServer(int port, string? requiredKey)
    {
        Port = port;
        _requiredKey = requiredKey;
    }

    public int Port { get; }

    /// <summary>The streamable HTTP endpoint, as spec.mcp.url names it.</summary>
    public string Url => $"http://127.0.0.1:{Port}/mcp";

    /// <summary>The older SSE transport's endpoint (spec.mcp.transport Sse): a GET stream there, POSTs to <c>/mcp/message</c>.</summary>
    public string SseUrl => $"{Url}/sse";

    /// <summary>Paths of the requests received, in order.</summary>
    public ConcurrentQueue<string> ReceivedPaths { get; } = new();

    /// <summary>Values of <see cref="KeyHeader"/> received, in order (empty when absent).</summary>
    public ConcurrentQueue<string> ReceivedKeys { get; } = new();

    /// <summary>Tool calls received (tool name), in order.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public static async Task<McpTestServer> StartAsync(string? requiredKey = null)
    {
        var server = new McpTestServer(ChildProcess.FreeLoopbackPort(), requiredKey);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts (again) on the same port.</summary>
    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Services.AddSingleton(this);
        builder.Services.AddMcpServer(options => options.ServerInfo = new() { Name = "metaevolve-test-tools", Version = "1.0.0" })
            // The older SSE transport is off by default (and obsolete) in the SDK's server: Mcp skills may still name it
            // (transport: Sse) for servers that have nothing newer, so the tests serve it. It needs stateful sessions.
            .WithHttpTransport(http =>
            {
                http.Stateless = false;
#pragma warning disable MCP9004
                http.EnableLegacySse = true;
#pragma warning restore MCP9004
            })
            .WithTools<TestTools>();
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var key = context.Request.Headers[KeyHeader].ToString();
            ReceivedKeys.Enqueue(key);
            ReceivedPaths.Enqueue(context.Request.Path.Value ?? "");
            if (_requiredKey is not null && key != _requiredKey)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            await next(context);
        });
        app.MapMcp("/mcp");
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening: connections are refused until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    [McpServerToolType]
    public sealed class TestTools(McpTestServer server)
    {
        [McpServerTool(Name = "echo"), Description("Repeats the text.")]
        public string Echo([Description("What to repeat.")] string text)
        {
            server.Calls.Enqueue("echo");
            return $"echo: {text}";
        }

        [McpServerTool(Name = "add"), Description("Adds two integers.")]
        public int Add([Description("The first addend.")] int a, [Description("The second addend.")] int b)
        {
            server.Calls.Enqueue("add");
            return a + b;
        }

        [McpServerTool(Name = "fail"), Description("Always fails.")]
        public string Fail([Description("Why.")] string reason)
        {
            server.Calls.Enqueue("fail");
            throw new ModelContextProtocol.McpException($"failed on purpose: {reason}");
        }

        [McpServerTool(Name = "delete-everything"), Description("A tool an allowlist should hide.")]
        public string DeleteEverything()
        {
            server.Calls.Enqueue("delete-everything");
            return "deleted";
        }
    }
}
