using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>
/// A private slice of the shared services for one test class: its own store schema, namespace (hence task
/// subjects), stream and consumer, and an agent <c>agent-a</c> in pool <c>p</c>. Workers are child processes.
/// </summary>
public sealed class PipelineEnvironment : IAsyncLifetime
{
    public const string Pool = "p";
    public const string Agent = "agent-a";

    private readonly string _suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
    private readonly List<ChildProcess> _workers = [];

    public PipelineEnvironment()
    {
        Schema = $"t_rt_{_suffix}";
        Namespace = $"t-{_suffix}";
    }

    private readonly ConnectionOptions _services = Services.Connections;

    /// <summary>The shared services (the restart test points this at private servers) with a NATS root of this environment's own.</summary>
    public ConnectionOptions Connections
    {
        get => _services with { NatsRoot = $"t-rt-{_suffix}" };
        init => _services = value;
    }

    public NatsNames Names => Connections.Names;
    public string Schema { get; }
    public string Namespace { get; }
    public string Stream => Names.TaskStream;
    public string Consumer => Names.PoolConsumer(Namespace, Pool);
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public NatsConnection Nats { get; private set; } = null!;
    public NatsJSContext JetStream { get; private set; } = null!;
    public TaskPublisher Publisher { get; private set; } = null!;
    public TaskRepository Tasks { get; private set; } = null!;

    /// <summary>Set before InitializeAsync by classes that run against private servers.</summary>
    public bool SkipServiceGate { get; init; }

    public async ValueTask InitializeAsync()
    {
        if (!SkipServiceGate)
        {
            // A fixture cannot skip; the tests do, through RequireServices.
            _unavailable = await ServiceProbes.NatsAsync(Connections) ?? await ServiceProbes.PostgresAsync(Connections);
            if (_unavailable is not null)
            {
                return;
            }
        }
        var store = new StoreOptions { Schema = Schema };
        DataSource = StoreDataSource.Create(Connections, store);
        await new StoreMigrator(DataSource, store, NullLogger<StoreMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using (var command = DataSource.CreateCommand($"INSERT INTO {Schema}.agents (namespace, name, pool, digest, spec) VALUES ($1, $2, $3, 'd', '{{}}')"))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Namespace });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Agent });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Pool });
            await command.ExecuteNonQueryAsync();
        }
        Nats = NatsConnectionFactory.Create(Connections, "pipeline tests");
        JetStream = new NatsJSContext(Nats);
        Publisher = new TaskPublisher(JetStream, Names);
        await Topology(JetStream, Names).EnsureStreamAsync();
        Tasks = new TaskRepository(DataSource, Schema);
    }

    public static TaskQueueTopology Topology(NatsJSContext js, NatsNames names, TaskStreamOptions? limits = null) =>
        new(js, names, limits ?? new TaskStreamOptions { DuplicateWindow = TimeSpan.FromSeconds(30) }, NullLogger<TaskQueueTopology>.Instance);

    /// <param name="connections">Other than <see cref="Connections"/>, e.g. a NATS user of restricted permissions.</param>
    public ChildProcess StartWorker(int concurrency = 16, TimeSpan? ackWait = null, int maxDeliver = 3, IDictionary<string, string>? extra = null, ConnectionOptions? connections = null)
    {
        RequireServices();
        var settings = new Dictionary<string, string>
        {
            ["Worker__Namespace"] = Namespace,
            ["Worker__Pool"] = Pool,
            ["Worker__Schema"] = Schema,
            ["Worker__Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
            ["Worker__AckWait"] = (ackWait ?? TimeSpan.FromSeconds(3)).ToString("c", CultureInfo.InvariantCulture),
            ["Worker__MaxDeliver"] = maxDeliver.ToString(CultureInfo.InvariantCulture),
            ["Worker__Backoff__0"] = "00:00:00.100",
            ["Worker__Backoff__1"] = "00:00:00.200",
            ["Worker__ShutdownGrace"] = "00:00:05",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        var worker = BuiltServices.StartWorker(connections ?? Connections, settings);
        _workers.Add(worker);
        return worker;
    }

    private Task<ChildProcess>? _shared;
    private string? _unavailable;

    /// <summary>Fails (CI) or skips the calling test when NATS or PostgreSQL is unreachable, saying which and how to start it.</summary>
    public void RequireServices()
    {
        if (_unavailable is null)
        {
            return;
        }
        if (Services.IsCi)
        {
            Assert.Fail(_unavailable);
        }
        Assert.Skip(_unavailable);
    }

    /// <summary>One worker (maxDeliver 3) shared by the tests of a class, started on first use.</summary>
    public Task<ChildProcess> SharedWorkerAsync()
    {
        RequireServices();
        return _shared ??= StartAsync();

        async Task<ChildProcess> StartAsync()
        {
            var worker = StartWorker(maxDeliver: 3);
            await worker.WaitReadyAsync(ServiceStartup.Limit);
            return worker;
        }
    }

    public TaskEnvelope Call(string function, string argumentsJson = "{}", string? agent = null, DateTimeOffset? deadline = null) => new()
    {
        Id = TaskIds.NewId(),
        Namespace = Namespace,
        Pool = Pool,
        Agent = agent ?? Agent,
        Input = TaskInput.Direct("system", function, JsonDocument.Parse(argumentsJson).RootElement.Clone()),
        Deadline = deadline,
    };

    public async Task<TaskRecord> WaitForFinalAsync(Guid id, TimeSpan? timeout = null)
    {
        TaskRecord? record = null;
        await WaitUntilAsync(async () => (record = await Tasks.GetAsync(id)) is { } r && TaskStates.IsFinal(r.Status), timeout ?? TimeSpan.FromSeconds(30), () => $"task {id} is {record?.Status ?? "absent"}");
        return record!;
    }

    public async Task<long> CountAsync(string whereSql)
    {
        await using var command = DataSource.CreateCommand($"SELECT count(*) FROM {Schema}.tasks WHERE namespace = '{Namespace}' AND ({whereSql})");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or NatsException or TimeoutException)
            {
                // A server the test is restarting; ask again.
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"condition not met after {timeout}: {describe()}");
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }
        if (_unavailable is not null)
        {
            return;
        }
        try
        {
            await JetStream.DeleteStreamAsync(Stream);
        }
        catch (Exception ex) when (ex is NatsException)
        {
        }
        await Nats.DisposeAsync();
        try
        {
            await using var drop = DataSource.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
        }
        await DataSource.DisposeAsync();
    }
}
