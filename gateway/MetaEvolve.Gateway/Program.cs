using MetaEvolve.Core;
using MetaEvolve.Core.Packaging;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway;
using MetaEvolve.Gateway.Api;
using MetaEvolve.Gateway.Auth;
using MetaEvolve.Gateway.Operability;
using MetaEvolve.Gateway.Regions;
using MetaEvolve.Gateway.Tasks;
using Microsoft.AspNetCore.Authentication;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;
using OpenTelemetry.Trace;
using Prometheus;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

if (ProductVersion.TryPrint(args, ContainerImages.Gateway, Console.Out))
{
    return;
}

// Content root = the app's own directory, not the working directory: the host watches its content root for config
// changes (recursively), and a working directory such as a checkout with local PostgreSQL and NATS data under it
// would feed that watcher every write those servers make.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddSerilog((services, logger) => logger
    .MinimumLevel.Information()
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
    .MinimumLevel.Override("NATS", LogEventLevel.Warning)
    .MinimumLevel.Override("Npgsql", LogEventLevel.Warning)
    .Enrich.FromLogContext()
    .WriteTo.Console(new CompactJsonFormatter()));

var options = builder.Configuration.GetSection("Gateway").Get<GatewayOptions>() ?? new GatewayOptions();
var connections = ConnectionOptions.FromEnvironment();
var store = new StoreOptions { Schema = options.Schema };
// A handful of statements run for every request: prepared once per connection, PostgreSQL skips parsing and planning them.
var postgres = new NpgsqlConnectionStringBuilder(connections.Postgres);
if (postgres.MaxAutoPrepare == 0)
{
    postgres.MaxAutoPrepare = 32;
    postgres.AutoPrepareMinUsages = 2;
    connections = connections with { Postgres = postgres.ConnectionString };
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes);

// The request span (ASP.NET Core's, parented by the caller's traceparent), the submission span and the publish span,
// whose context the message's headers carry to the worker. With OTEL_EXPORTER_OTLP_ENDPOINT set they are shipped over OTLP.
builder.Services.AddOpenTelemetry().WithTracing(tracing =>
{
    // The instrumentation names request spans by route ("POST /v1/namespaces/{ns}/agents/{agent}/tasks") and tags them
    // by the HTTP conventions; probes and scrapes would only crowd the traces.
    tracing.AddSource(GatewayTracing.SourceName, TaskTracing.SourceName)
        .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/healthz")
            && !http.Request.Path.StartsWithSegments("/readyz") && !http.Request.Path.StartsWithSegments("/metrics"));
    if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
    {
        tracing.AddOtlpExporter();
    }
});
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi();
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(store);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(sp => StoreDataSource.Create(connections, store, sp.GetRequiredService<ILoggerFactory>()));
builder.Services.AddSingleton(connections);
builder.Services.AddSingleton(connections.Names);
builder.Services.AddSingleton(sp => NatsConnectionFactory.Create(connections, "gateway", sp.GetRequiredService<ILoggerFactory>()));
builder.Services.AddSingleton<INatsConnection>(sp => sp.GetRequiredService<NatsConnection>());
builder.Services.AddSingleton<INatsJSContext>(sp => new NatsJSContext(sp.GetRequiredService<NatsConnection>()));
builder.Services.AddSingleton(options.TaskStream);
builder.Services.AddSingleton<TaskQueueTopology>();
builder.Services.AddSingleton<TaskPublisher>();
builder.Services.AddSingleton<RegionHealthBoard>();
builder.Services.AddSingleton<TaskDispatcher>();
builder.Services.AddSingleton(sp => new TaskRepository(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema, options.OutboxRelayAfter));
builder.Services.AddSingleton(sp => new TaskOutbox(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema));
builder.Services.AddSingleton<TaskOutboxRemovals>();
builder.Services.AddSingleton<TaskOutboxRelay>();
builder.Services.AddSingleton(sp => new AgentRepository(sp.GetRequiredService<NpgsqlDataSource>()));
builder.Services.AddSingleton(sp => new SkillProposalRepository(sp.GetRequiredService<NpgsqlDataSource>()));
builder.Services.AddSingleton(sp => new TaskApprovals(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema, options.OutboxRelayAfter));
builder.Services.AddSingleton<TaskControl>();
builder.Services.AddSingleton<StoreMigrator>();
builder.Services.AddSingleton<AgentPools>();
builder.Services.AddSingleton<TaskGroupCommit>();
builder.Services.AddSingleton<TaskSubmitter>();
builder.Services.AddSingleton<ThreadOwners>();
builder.Services.AddSingleton<NamespaceQueueLimit>();
builder.Services.AddSingleton<TaskAdmission>();
builder.Services.AddSingleton<TaskWatcher>();
builder.Services.AddSingleton<AnswerFollower>();
builder.Services.AddSingleton<GatewayMetrics>();
builder.Services.AddSingleton<GatewayReadiness>();
builder.Services.AddSingleton<ApiKeyStore>();
builder.Services.AddHostedService<GatewayStartup>();
builder.Services.AddHostedService<TaskOutboxService>();
builder.Services.AddHostedService<RegionHealthListener>();
builder.Services.AddHostedService<HomecomingService>();
builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorization();
builder.Services.AddAgentMcpServer();
builder.Services.AddKeyRateLimiting(options);

var app = builder.Build();
// Created now, so /metrics lists the gateway's series (at 0) before the first task.
app.Services.GetRequiredService<GatewayMetrics>();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHttpMetrics();
app.UseAuthentication();
// Before authorization, so requests with a missing or wrong key are throttled (per address) too.
app.UseRateLimiter();
app.UseAuthorization();

app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
app.MapGet("/readyz", (GatewayReadiness readiness, CancellationToken cancellationToken) => Readiness(readiness, region: false, cancellationToken)).ExcludeFromDescription();
// For a global load balancer or DNS health check: ready, and (with regions) the region can take and run tasks.
app.MapGet("/readyz/region", (GatewayReadiness readiness, CancellationToken cancellationToken) => Readiness(readiness, region: true, cancellationToken)).ExcludeFromDescription();
app.MapMetrics();
app.MapOpenApi();

var v1 = app.MapGroup("/v1").RequireAuthorization().RequireRateLimiting(KeyRateLimiting.PolicyName);
TaskEndpoints.Map(v1);
AgentEndpoints.Map(v1);
SkillProposalEndpoints.Map(v1);
AgentMcpServer.Map(v1);

await app.RunAsync();

static async Task<IResult> Readiness(GatewayReadiness readiness, bool region, CancellationToken cancellationToken)
{
    var (ready, detail) = await readiness.CheckAsync(region, cancellationToken);
    return Results.Text(detail, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
}
