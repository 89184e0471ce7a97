using k8s;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator.Agents;
using MetaEvolve.Operator.Approvals;
using MetaEvolve.Operator.Evolution;
using MetaEvolve.Operator.ExternalMetrics;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Retention;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;
using MetaEvolve.Operator.Skills;
using MetaEvolve.Operator.Tenancy;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;
using Prometheus;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using StackExchange.Redis;

namespace MetaEvolve.Operator.Hosting;

/// <summary>
/// Builds the operator process: Kestrel with /healthz, /readyz and /metrics; Serilog compact JSON on stdout; the
/// clients (Kubernetes, NATS, PostgreSQL); and the leader-elected operator. Tests build it in-process with their
/// own options and client.
/// </summary>
public static class OperatorHost
{
    public static WebApplication Build(string[] args, Action<OperatorHostOptions>? configure = null)
    {
        // Content root = the app's directory: the host watches it recursively for config changes (not a busy working directory).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var settings = new OperatorHostOptions
        {
            Options = builder.Configuration.GetSection("Operator").Get<OperatorOptions>() ?? new OperatorOptions(),
            Connections = ConnectionOptions.FromEnvironment(),
        };
        configure?.Invoke(settings);
        var options = settings.Options;
        options.Validate();

        builder.Services.AddSerilog((_, logger) =>
        {
            logger.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                .MinimumLevel.Override("NATS", LogEventLevel.Warning)
                .MinimumLevel.Override("Npgsql", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Operator", options.Identity);
            if (settings.LogTo is { } sink)
            {
                logger.WriteTo.Sink(sink);
            }
            else
            {
                logger.WriteTo.Console(new CompactJsonFormatter());
            }
        });

        // Workers finish their current reconcile, the Lease is released, then the process ends.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(settings.Connections);
        builder.Services.AddSingleton<IKubernetes>(_ => settings.Kubernetes ?? new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
        builder.Services.AddSingleton(new OperatorMetrics(settings.Metrics ?? Metrics.DefaultRegistry));
        builder.Services.AddSingleton<LeaderState>();

        var store = new StoreOptions { Schema = options.StoreSchema };
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(sp => StoreDataSource.Create(settings.Connections, store, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<StoreMigrator>();
        builder.Services.AddSingleton(sp => new AgentRepository(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new SkillVersionRepository(sp.GetRequiredService<NpgsqlDataSource>()));
        // Namespaces' own store roles and Redis users (docs/security.md). Redis connects in the background: an outage
        // holds back new namespaces' Secrets, not the operator's start.
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var redis = ConfigurationOptions.Parse(settings.Connections.Redis);
            redis.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(redis);
        });
        builder.Services.AddSingleton<NamespaceStoreRoles>();
        builder.Services.AddSingleton(sp => new NamespaceRedisUsers(sp.GetRequiredService<IConnectionMultiplexer>(), options.RedisPrefix, options.StoreSchema, sp.GetRequiredService<ILogger<NamespaceRedisUsers>>()));
        builder.Services.AddSingleton<NamespaceCredentials>();
        builder.Services.AddSingleton(sp => new AgentUsageReader(sp.GetRequiredService<IConnectionMultiplexer>(), options, settings.UsageClock ?? TimeProvider.System));
        builder.Services.AddSingleton<NamespaceBudgetReader>();
        builder.Services.AddSingleton(options.TaskRetention);
        builder.Services.AddSingleton(sp => new TaskPartitionMaintenance(sp.GetRequiredService<NpgsqlDataSource>(), options.StoreSchema, sp.GetRequiredService<ILogger<TaskPartitionMaintenance>>()));
        builder.Services.AddSingleton(sp => new TaskRepository(sp.GetRequiredService<NpgsqlDataSource>(), options.StoreSchema));
        builder.Services.AddHostedService<TaskRetentionService>();
        builder.Services.AddSingleton(sp => new TaskApprovals(sp.GetRequiredService<NpgsqlDataSource>(), options.StoreSchema));
        builder.Services.AddHostedService<ApprovalTimeoutSweep>();

        builder.Services.AddSingleton(settings.Connections.Names);
        builder.Services.AddSingleton(sp => NatsConnectionFactory.Create(settings.Connections, $"metaevolve-operator {options.Identity}", sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<INatsConnection>(sp => sp.GetRequiredService<NatsConnection>());
        builder.Services.AddSingleton<INatsJSContext>(sp => new NatsJSContext(sp.GetRequiredService<NatsConnection>()));
        builder.Services.AddSingleton(sp => new ConfigNoticeBoard(sp.GetRequiredService<INatsJSContext>(), settings.Connections.Names.ConfigBucket));
        builder.Services.AddSingleton(options.TaskStream);
        builder.Services.AddSingleton<TaskQueueTopology>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<QueueLagReader>();
        builder.Services.AddSingleton<ExternalMetricsServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ExternalMetricsServer>());
        builder.Services.AddSingleton(new PoolRuntimeOptions(options.DefaultImage, options.StoreSchema, settings.Connections.Names,
            options.NatsMonitoringEndpoint ?? $"{new Uri(settings.Connections.NatsUrl).Host}:8222", RegionSettings.From(settings.Connections)));

        builder.Services.AddSingleton<CSharpSkillCompiler>();
        // Skill tests run in skill hosts, as on the workers (the host ships beside the operator).
        builder.Services.AddSingleton(builder.Configuration.GetSection("SkillHost").Get<SkillHostOptions>() ?? new SkillHostOptions { MaxHosts = 2 });
        builder.Services.AddSingleton<ISkillExecutor, SkillHostPool>();
        builder.Services.AddSingleton<SkillValidator>();
        builder.Services.AddSingleton<SkillRollback>();
        builder.Services.AddSingleton<StatusWriter>();
        builder.Services.AddSingleton<Finalizers>();
        builder.Services.AddSingleton(sp => new EventRecorder(sp.GetRequiredService<IKubernetes>(), "metaevolve-operator", sp.GetRequiredService<ILogger<EventRecorder>>()));
        // Agents' skill proposals (skill_proposals), taken by the leader.
        builder.Services.AddSingleton(sp => new SkillProposalRows(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddHostedService<SkillProposalIntake>();
        // Regions: refuse to start on a name a peer already uses, before any durable is made; every instance hears the
        // regions' health; the leader keeps the results streams, announces its pools and moves the queued tasks of
        // failed-over pools (OperatorControllers).
        builder.Services.AddSingleton(RegionSettings.From(settings.Connections));
        builder.Services.AddSingleton(sp => new RegionNameCheck(sp.GetRequiredService<INatsConnection>(), settings.Connections.Names,
            settings.Connections.Peers, sp.GetRequiredService<ILogger<RegionNameCheck>>()));
        builder.Services.AddHostedService<RegionStartup>();
        if (settings.Connections.Region is not null)
        {
            builder.Services.AddSingleton(sp => new RegionStreams(sp.GetRequiredService<INatsJSContext>(), settings.Connections.Names,
                settings.Connections.Peers, sp.GetRequiredService<TaskStreamOptions>().Replicas, sp.GetRequiredService<ILogger<RegionStreams>>()));
            builder.Services.AddSingleton<RegionHealthBoard>();
            builder.Services.AddHostedService<RegionHealthListener>();
        }

        builder.Services.AddSingleton<LeaderElection>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LeaderElection>());

        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", (LeaderState leader) =>
        {
            // A standby is healthy and ready to take over; a leader is ready once its caches hold a full list.
            if (leader.Manager is not { } manager)
            {
                return Results.Text("standby");
            }

            return manager.State.Synced
                ? Results.Text("leading")
                : Results.Text("leading, caches not synced yet", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.UseMetricServer("/metrics", settings.Metrics ?? Metrics.DefaultRegistry);
        return app;
    }
}

/// <summary>What the host is built from; tests replace the client, the registry and the log sink.</summary>
public sealed class OperatorHostOptions
{
    public required OperatorOptions Options { get; set; }
    public required ConnectionOptions Connections { get; set; }
    public IKubernetes? Kubernetes { get; set; }
    public CollectorRegistry? Metrics { get; set; }
    public Serilog.Core.ILogEventSink? LogTo { get; set; }

    /// <summary>The clock that says which UTC day Agent status.usage counts; tests move it across 00:00.</summary>
    public TimeProvider? UsageClock { get; set; }
}
