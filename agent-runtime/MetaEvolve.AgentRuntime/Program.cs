using MetaEvolve.AgentRuntime;
using MetaEvolve.AgentRuntime.Agents;
using MetaEvolve.AgentRuntime.Agents.Evolution;
using MetaEvolve.AgentRuntime.Execution;
using MetaEvolve.AgentRuntime.Operability;
using MetaEvolve.AgentRuntime.Pipeline;
using MetaEvolve.Core;
using MetaEvolve.Core.Packaging;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;
using OpenTelemetry.Trace;
using Prometheus;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

if (ProductVersion.TryPrint(args, ContainerImages.AgentRuntime, Console.Out))
{
    return;
}

// Content root = the app's directory: the host watches it recursively for config changes (not a busy working directory).
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

builder.Services.AddSerilog((services, logger) => logger
    .MinimumLevel.Information()
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
    .MinimumLevel.Override("NATS", LogEventLevel.Warning)
    .MinimumLevel.Override("Npgsql", LogEventLevel.Warning)
    // The connectors log requests at Information; the API key is never in them, the prompts are.
    .MinimumLevel.Override("Microsoft.SemanticKernel", LogEventLevel.Warning)
    .Enrich.FromLogContext()
    .WriteTo.Console(new CompactJsonFormatter()));

var worker = builder.Configuration.GetSection("Worker").Get<WorkerOptions>() ?? new WorkerOptions();
var agents = builder.Configuration.GetSection("Agents").Get<AgentOptions>() ?? new AgentOptions();
var connections = ConnectionOptions.FromEnvironment();
// The pipeline sends a handful of statements over and over: prepared once per connection, PostgreSQL skips
// parsing and planning them (planning the partitioned-table claim costs more than running it). Their cached plans
// stay index lookups because the claim stage analyzes a day's partition once it has filled (TaskPartitionStatistics).
var postgres = new NpgsqlConnectionStringBuilder(connections.Postgres);
if (postgres.MaxAutoPrepare == 0)
{
    postgres.MaxAutoPrepare = 32;
    postgres.AutoPrepareMinUsages = 2;
}
connections = connections with { Postgres = postgres.ConnectionString };
var store = new StoreOptions { Schema = worker.Schema };

// Spans of the worker's ActivitySource continue the publisher's trace (the message's traceparent header), so log lines
// written while a task runs carry its trace and span ids: the task, each model call (chat <model>) and each tool
// call (execute_tool <function>). With OTEL_EXPORTER_OTLP_ENDPOINT set they are shipped over OTLP (the exporter reads
// the standard OTEL_EXPORTER_OTLP_* variables).
builder.Services.AddOpenTelemetry().WithTracing(tracing =>
{
    tracing.AddSource(RuntimeTracing.SourceName, TaskTracing.SourceName);
    if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
    {
        tracing.AddOtlpExporter();
    }
});
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = worker.ShutdownGrace + TimeSpan.FromSeconds(15));
builder.Services.AddSingleton(worker);
builder.Services.AddSingleton(store);
builder.Services.AddSingleton(sp => StoreDataSource.Create(connections, store, sp.GetRequiredService<ILoggerFactory>()));
builder.Services.AddSingleton(connections.Names);
// Replies and deliveries come to inboxes named after the namespace: its NATS user may subscribe to those alone.
builder.Services.AddSingleton(sp => NatsConnectionFactory.Create(connections, $"agent-runtime {worker.Namespace}/{worker.Pool}", sp.GetRequiredService<ILoggerFactory>(),
    inboxPrefix: NatsWorkerPermissions.WorkerInboxPrefix(connections.Names, worker.Namespace)));
builder.Services.AddSingleton<INatsConnection>(sp => sp.GetRequiredService<NatsConnection>());
builder.Services.AddSingleton<INatsJSContext>(sp => new NatsJSContext(sp.GetRequiredService<NatsConnection>()));
builder.Services.AddSingleton(new TaskStreamOptions());
builder.Services.AddSingleton<TaskQueueTopology>();
builder.Services.AddSingleton(sp => new TaskRepository(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema));
builder.Services.AddSingleton(sp => new TaskApprovals(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema));
builder.Services.AddSingleton(sp => new TaskPartitionMaintenance(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema, sp.GetRequiredService<ILogger<TaskPartitionMaintenance>>()));
builder.Services.AddSingleton(sp => new TaskPartitionStatistics(sp.GetRequiredService<NpgsqlDataSource>(), store.Schema, sp.GetRequiredService<ILogger<TaskPartitionStatistics>>()));
builder.Services.AddSingleton<StoreMigrator>();
builder.Services.AddSingleton(agents);
builder.Services.AddSingleton(_ => new RedisConnection(connections.Redis));
builder.Services.AddSingleton<ISkillAssemblyStore>(sp => new PostgresSkillAssemblyStore(sp.GetRequiredService<NpgsqlDataSource>(), readOnly: true));
builder.Services.AddSingleton(_ => new CSharpSkillCompiler());
builder.Services.AddSingleton<CSharpSkillEngine>();
// C# skill code runs only in skill hosts; the pool also marks this process non-dumpable (see NonDumpable).
builder.Services.AddSingleton(builder.Configuration.GetSection("SkillHost").Get<SkillHostOptions>() ?? new SkillHostOptions());
builder.Services.AddSingleton<ISkillExecutor, SkillHostPool>();
builder.Services.AddSingleton<SkillPluginCache>();
builder.Services.AddSingleton<SkillChecker>();
builder.Services.AddSingleton<SkillProposalRepository>();
builder.Services.AddSingleton<SkillProposer>();
builder.Services.AddSingleton<AgentStoreReader>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<BudgetCounters>();
builder.Services.AddSingleton<ChatModelFactory>();
builder.Services.AddSingleton<AgentCatalog>();
builder.Services.AddSingleton<ThreadMemory>();
builder.Services.AddSingleton<AnswerRelay>();
builder.Services.AddSingleton<AgentTaskExecutor>();
builder.Services.AddSingleton<ITaskExecutor>(sp => new SystemTaskExecutor(sp.GetRequiredService<AgentTaskExecutor>()));
builder.Services.AddHostedService<ConfigWatchService>();
builder.Services.AddSingleton<IAgentDirectory, StoreAgentDirectory>();
builder.Services.AddSingleton<RuntimeMetrics>();
builder.Services.AddSingleton<ReadinessState>();
builder.Services.AddSingleton<InFlightRegistry>();
builder.Services.AddSingleton<PipelineLifetime>();
builder.Services.AddSingleton<StoreRetry>();
builder.Services.AddSingleton<StoreStartup>();
builder.Services.AddSingleton<ClaimStage>();
builder.Services.AddSingleton<TaskRunner>();
builder.Services.AddSingleton<HomewardSender>();
builder.Services.AddSingleton<CompletionStage>();
builder.Services.AddHostedService<TaskConsumerService>();
builder.Services.AddHostedService<ProgressHeartbeat>();
builder.Services.AddHostedService<CancelListener>();
builder.Services.AddHostedService<PartitionMaintenanceService>();

var app = builder.Build();

// Now, not at the first skill load: the pool marks this process non-dumpable before anything else starts.
app.Services.GetRequiredService<ISkillExecutor>();

app.MapGet("/healthz", () => Results.Text("ok"));
app.MapGet("/readyz", (ReadinessState readiness) =>
{
    var (ready, detail) = readiness.Check();
    return Results.Text(detail, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
});
app.MapMetrics();

await app.RunAsync();
