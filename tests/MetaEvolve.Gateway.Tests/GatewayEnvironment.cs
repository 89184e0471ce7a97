using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Gateway.Auth;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;

namespace MetaEvolve.Gateway.Tests;

/// <summary>
/// A private slice of the shared services for one test class: its own store schema, namespace, task stream and keys
/// file, the agent <c>agent-a</c> in pool <c>p</c>, gateways (and optionally a worker) as child processes.
/// </summary>
public class GatewayEnvironment : IAsyncLifetime
{
    public const string Pool = "p";
    public const string Agent = "agent-a";

    /// <summary>An agent of pool <see cref="PoolWithoutConsumer"/>, which has no consumer (as after the pool's deletion).</summary>
    public const string OrphanAgent = "agent-orphan";
    public const string PoolWithoutConsumer = "gone";

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);
    private readonly string _suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
    private readonly List<ChildProcess> _gateways = [];
    private readonly List<ChildProcess> _workers = [];
    private readonly string _keysFile;

    public GatewayEnvironment()
    {
        Schema = $"t_gw_{_suffix}";
        Namespace = $"t-{_suffix}";
        _keysFile = Path.Combine(Path.GetTempPath(), $"metaevolve-keys-{_suffix}.json");
    }

    /// <summary>The shared services with a NATS root of this environment's own.</summary>
    public ConnectionOptions Connections => Services.Connections with { NatsRoot = $"t-gw-{_suffix}" };
    public NatsNames Names => Connections.Names;
    public string Schema { get; }
    public string Namespace { get; }
    public string Stream => Names.TaskStream;
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public NatsConnection Nats { get; private set; } = null!;
    public NatsJSContext JetStream { get; private set; } = null!;
    public TaskRepository Tasks { get; private set; } = null!;
    public AgentRepository Agents { get; private set; } = null!;

    /// <summary>Covers the test namespace: submit, read and cancel its own tasks.</summary>
    public string Key { get; } = "k-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Valid, but only for another namespace.</summary>
    public string OtherNamespaceKey { get; } = "o-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Covers the test namespace with a tiny rate: 1 request per second, burst 3.</summary>
    public string LimitedKey { get; } = "l-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Two keys of the test namespace with the default scopes (submit, read): each sees only its own tasks.</summary>
    public string AliceKey { get; } = "a-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    public string BobKey { get; } = "b-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Admin of the test namespace: every key's tasks and threads.</summary>
    public string AdminKey { get; } = "d-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Only the read scope.</summary>
    public string ReadOnlyKey { get; } = "r-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>May submit only to <see cref="OrphanAgent"/>.</summary>
    public string OneAgentKey { get; } = "g-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public IReadOnlyList<ChildProcess> Gateways => _gateways;

    /// <summary>Gateway__MaxQueuedPerNamespace; null leaves the gateway's default.</summary>
    protected virtual int? MaxQueuedPerNamespace => null;

    /// <summary>Stream limit; a full-queue test sets it small.</summary>
    protected virtual long MaxMessages => 100_000;

    protected virtual int GatewayCount => 2;

    protected virtual bool WithWorker => false;

    public virtual async ValueTask InitializeAsync()
    {
        await Services.RequireNatsAsync();
        await Services.RequirePostgresAsync();
        var store = new StoreOptions { Schema = Schema };
        DataSource = StoreDataSource.Create(Connections, store);
        await new StoreMigrator(DataSource, store, NullLogger<StoreMigrator>.Instance).MigrateAsync(CancellationToken.None);
        Agents = new AgentRepository(DataSource);
        Tasks = new TaskRepository(DataSource, Schema);
        await Agents.UpsertAsync(Namespace, Agent, Pool, "d1", """{"poolRef":{"name":"p"},"model":{"provider":"OpenAI","model":"gpt-4o-mini"}}""", """[{"name":"text-stats","version":"1.0.0","digest":"sha256:abc"}]""", CancellationToken.None);

        Nats = NatsConnectionFactory.Create(Connections, "gateway tests");
        JetStream = new NatsJSContext(Nats);
        await Agents.UpsertAsync(Namespace, OrphanAgent, PoolWithoutConsumer, "d1", """{"poolRef":{"name":"gone"}}""", "[]", CancellationToken.None);
        // The gateway accepts tasks only for pools with a consumer (the operator makes it; a worker started here would too).
        await new TaskQueueTopology(JetStream, Names, StreamOptions(), NullLogger<TaskQueueTopology>.Instance)
            .EnsureConsumerAsync(new PoolConsumerSettings(Namespace, Pool, TimeSpan.FromSeconds(5), 2, 1, 8));

        var keys = new ApiKeyFile
        {
            Keys =
            [
                new ApiKeyEntry { Name = "tests", Sha256 = ApiKeyStore.HashHex(Key), Namespaces = [Namespace], Scopes = [KeyScopes.Submit, KeyScopes.Read, KeyScopes.Cancel] },
                new ApiKeyEntry { Name = "elsewhere", Sha256 = ApiKeyStore.HashHex(OtherNamespaceKey), Namespaces = ["some-other-namespace"] },
                new ApiKeyEntry { Name = "limited", Sha256 = ApiKeyStore.HashHex(LimitedKey), Namespaces = [Namespace], RequestsPerSecond = 1, Burst = 3 },
                new ApiKeyEntry { Name = "alice", Sha256 = ApiKeyStore.HashHex(AliceKey), Namespaces = [Namespace] },
                new ApiKeyEntry { Name = "bob", Sha256 = ApiKeyStore.HashHex(BobKey), Namespaces = [Namespace] },
                new ApiKeyEntry { Name = "admin", Sha256 = ApiKeyStore.HashHex(AdminKey), Namespaces = [Namespace], Scopes = [KeyScopes.Admin] },
                new ApiKeyEntry { Name = "reader", Sha256 = ApiKeyStore.HashHex(ReadOnlyKey), Namespaces = [Namespace], Scopes = [KeyScopes.Read] },
                new ApiKeyEntry { Name = "one-agent", Sha256 = ApiKeyStore.HashHex(OneAgentKey), Namespaces = [Namespace], Agents = [OrphanAgent] },
            ],
        };
        await File.WriteAllTextAsync(_keysFile, JsonSerializer.Serialize(keys, WebJson));

        if (WithWorker)
        {
            var worker = BuiltServices.StartWorker(Connections, new Dictionary<string, string>
            {
                ["Worker__Namespace"] = Namespace,
                ["Worker__Pool"] = Pool,
                ["Worker__Schema"] = Schema,
                ["Worker__MaxDeliver"] = "2",
                ["Worker__Backoff__0"] = "00:00:00.100",
                ["Worker__AckWait"] = "00:00:05",
            });
            _workers.Add(worker);
        }
        for (var i = 0; i < GatewayCount; i++)
        {
            _gateways.Add(BuiltServices.StartGateway(Connections, GatewaySettings()));
        }
        await Task.WhenAll(_gateways.Select(g => g.WaitReadyAsync(ServiceStartup.Limit)).Concat(_workers.Select(w => w.WaitReadyAsync(ServiceStartup.Limit))));
    }

    public Dictionary<string, string> GatewaySettings()
    {
        var settings = new Dictionary<string, string>
        {
            ["Gateway__Schema"] = Schema,
            ["Gateway__ApiKeysFile"] = _keysFile,
            ["Gateway__MaxBodyBytes"] = "65536",
            ["Gateway__QueueFullRetryAfter"] = "00:00:07",
            ["Gateway__OutboxRelayAfter"] = "00:00:02",
        };
        if (MaxQueuedPerNamespace is { } limit)
        {
            settings["Gateway__MaxQueuedPerNamespace"] = limit.ToString(CultureInfo.InvariantCulture);
        }
        return settings;
    }

    public TaskStreamOptions StreamOptions() => new()
    {
        MaxMessages = MaxMessages,
        DuplicateWindow = TimeSpan.FromSeconds(30),
    };

    public string SubmitPath(string? agent = null) => $"/v1/namespaces/{Namespace}/agents/{agent ?? Agent}/tasks";

    public static JsonContent Echo(string text) => JsonContent.Create(new { call = new { skill = "system", function = "echo", arguments = new { text } } });

    /// <summary>Messages in the stream right now (nothing consumes them without a worker).</summary>
    public async Task<long> StreamMessagesAsync()
    {
        var stream = await JetStream.GetStreamAsync(Stream);
        return (long)stream.Info.State.Messages;
    }

    public async Task<long> RowsAsync()
    {
        await using var command = DataSource.CreateCommand($"SELECT count(*) FROM {Schema}.tasks WHERE namespace = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Namespace });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }
        if (Nats is not null)
        {
            try
            {
                await JetStream.DeleteStreamAsync(Stream);
            }
            catch (NatsException)
            {
            }
            await Nats.DisposeAsync();
        }
        if (DataSource is not null)
        {
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
        File.Delete(_keysFile);
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Two gateways and a real worker running the built-in system functions.</summary>
public sealed class WorkerGatewayEnvironment : GatewayEnvironment
{
    protected override bool WithWorker => true;
}

/// <summary>One gateway over a stream that holds at most two tasks, and no worker to drain it.</summary>
public sealed class FullQueueEnvironment : GatewayEnvironment
{
    protected override long MaxMessages => 2;
    protected override int GatewayCount => 1;
}

/// <summary>One gateway whose namespaces may hold three queued tasks each (no worker takes them).</summary>
public sealed class NamespaceQuotaEnvironment : GatewayEnvironment
{
    protected override int? MaxQueuedPerNamespace => 3;
    protected override int GatewayCount => 1;
}
