#:sdk Microsoft.NET.Sdk.Web
#:package ModelContextProtocol.AspNetCore
// A small MCP server for samples/mcp/skill-remote-tools.yaml: `dotnet run samples/mcp/server.cs` serves streamable
// HTTP at http://127.0.0.1:5290/mcp (MCP_URLS changes the address). With MCP_SAMPLE_TOKEN set, requests must carry
// "Authorization: Bearer <token>", the header the sample skill sends from its Secret.
using System.ComponentModel;
using ModelContextProtocol.Server;

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls(Environment.GetEnvironmentVariable("MCP_URLS") ?? "http://127.0.0.1:5290");
builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "metaevolve-sample-tools", Version = "1.0.0" })
    .WithHttpTransport()
    .WithTools<SampleTools>();
var app = builder.Build();
var token = Environment.GetEnvironmentVariable("MCP_SAMPLE_TOKEN");
app.Use(async (context, next) =>
{
    if (!string.IsNullOrEmpty(token) && context.Request.Headers.Authorization != $"Bearer {token}")
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return;
    }

    await next(context);
});
app.MapMcp("/mcp");
app.Run();

[McpServerToolType]
internal sealed class SampleTools
{
    [McpServerTool(Name = "echo"), Description("Repeats the text.")]
    public static string Echo([Description("What to repeat.")] string text) => $"echo: {text}";

    [McpServerTool(Name = "add"), Description("Adds two integers.")]
    public static int Add([Description("The first addend.")] int a, [Description("The second addend.")] int b) => a + b;

    [McpServerTool(Name = "utc_now"), Description("The current UTC time, ISO 8601.")]
    public static string UtcNow() => DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
}
