using MetaEvolve.AgentRuntime;
using MetaEvolve.AgentRuntime.Execution;
using MetaEvolve.AgentRuntime.Operability;
using MetaEvolve.AgentRuntime.Pipeline;
using MetaEvolve.Core;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;
using Prometheus;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

var builder = WebApplication.CreateSlimBuilder(args);

builder.Services.AddSerilog((services, logger) => logger
    .MinimumLevel.Information()
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
    .MinimumLevel.Override("NATS", LogEventLevel.Warning)
    .MinimumLevel.Override("Npgsql", LogEventLevel.Warning)
    .Enrich.FromLogContext()
    .WriteTo.Console(new CompactJsonFormatter()));

var worker = builder.Configuration.GetSection("Worker").Get<WorkerOptions>() ?? new WorkerOptions();
var connections = ConnectionOptions.FromEnvironment();
var store = new StoreOptions { Schema = worker.Schema };

builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = worker.ShutdownGrace + TimeSpan.FromSeconds(15));
builder.Services.AddSingleton(worker);
builder.Services.AddSingleton(store);
builder.Services.AddSingleton(sp => StoreDataSource.Create(connections, store, sp.GetRequiredService<ILoggerFactory>()));
builder.Services.AddSingleton(sp => new NatsConnection(new NatsOpts
{
    Url = connections.NatsUrl,
    Name = $"agent-runtime {worker.Namespace}/{worker.Pool}",
    RetryOnInitialConnect = true,
    ReconnectWaitMax = TimeSpan.FromSeconds(2),
    LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
}));
builder.Services.AddSingleton<INatsConnection>(sp => sp.GetRequiredService<NatsConnection>());
builder.Services.AddSingleton<INatsJSContext>(sp => new NatsJSContext(sp.GetRequiredService<NatsConnection>()));
builder.Services.AddSingleton(sp => new TaskRepository(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema));
builder.Services.AddSingleton(sp => new TaskPartitionMaintenance(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema, sp.GetRequiredService<ILogger<TaskPartitionMaintenance>>()));
builder.Services.AddSingleton<StoreMigrator>();
builder.Services.AddSingleton<ITaskExecutor>(_ => new SystemTaskExecutor());
builder.Services.AddSingleton<IAgentDirectory, StoreAgentDirectory>();
builder.Services.AddSingleton<RuntimeMetrics>();
builder.Services.AddSingleton<ReadinessState>();
builder.Services.AddSingleton<InFlightRegistry>();
builder.Services.AddSingleton<PipelineLifetime>();
builder.Services.AddSingleton<StoreRetry>();
builder.Services.AddSingleton<StoreStartup>();
builder.Services.AddSingleton<ClaimStage>();
builder.Services.AddSingleton<TaskRunner>();
builder.Services.AddSingleton<CompletionStage>();
builder.Services.AddHostedService<TaskConsumerService>();
builder.Services.AddHostedService<ProgressHeartbeat>();
builder.Services.AddHostedService<CancelListener>();
builder.Services.AddHostedService<PartitionMaintenanceService>();

var app = builder.Build();

app.MapGet("/healthz", () => Results.Text("ok"));
app.MapGet("/readyz", (ReadinessState readiness) =>
{
    var (ready, detail) = readiness.Check();
    return Results.Text(detail, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
});
app.MapMetrics();

await app.RunAsync();
