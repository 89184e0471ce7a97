using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
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
/// Two regions on loopback (<see cref="FederatedNats"/>: a nats-server each, a cuttable leafnode link between them),
/// each with a store schema of its own: region a runs the built gateway and no worker of pool <see cref="Pool"/>, so
/// its tasks stay queued unless they go to b; region b runs the built worker of that pool. This fixture stands in for
/// both regions' operators: it creates their streams and the pool's consumer in a, and announces each region's pool
/// health on its own server every 200 ms, as the operators' health publishers do, in the state a test sets
/// (<see cref="AnnounceAsync"/>).
/// </summary>
public sealed class RegionsEnvironment : IAsyncLifetime
{
    public const string Pool = "p";
    public const string Agent = "agent-a";

    /// <summary>Region a's policy for the pool: b takes its tasks after 30 s without workers, or past 2 queued tasks.</summary>
    public static readonly PoolFederation Federation = new(["b"], SpillOverLag: 2, FailoverAfterSeconds: 30);

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);
    private readonly string _suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
    private readonly string _keysFile;
    private readonly CancellationTokenSource _stop = new();
    private (PoolHealth A, PoolHealth B) _health;
    private Task? _announcer;

    public RegionsEnvironment()
    {
        Namespace = $"t-{_suffix}";
        _keysFile = Path.Combine(Path.GetTempPath(), $"metaevolve-keys-{_suffix}.json");
        _health = (LocalPool(), PeerPool());
    }

    public string Namespace { get; }
    public string Key { get; } = "k-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    public FederatedNats Regions { get; private set; } = null!;
    public RegionSide A { get; private set; } = null!;
    public RegionSide B { get; private set; } = null!;
    public ChildProcess Gateway { get; private set; } = null!;
    public ChildProcess Worker { get; private set; } = null!;

    public string SubmitPath => $"/v1/namespaces/{Namespace}/agents/{Agent}/tasks";

    /// <summary>Region b's pool with a ready worker and nothing queued: it takes work.</summary>
    public PoolHealth PeerPool() => new(Namespace, Pool, ReadyWorkers: 1, Lag: 0, UnavailableSeconds: null, Federation: null);

    /// <summary>Region a's pool, available, with <paramref name="lag"/> tasks queued and its federation policy.</summary>
    public PoolHealth LocalPool(long lag = 0) => new(Namespace, Pool, ReadyWorkers: 1, Lag: lag, UnavailableSeconds: null, Federation: Federation);

    /// <summary>Region a's pool without workers for 2 minutes: past its failover time.</summary>
    public PoolHealth LocalPoolDown() => new(Namespace, Pool, ReadyWorkers: 0, Lag: 1, UnavailableSeconds: 120, Federation: Federation);

    /// <summary>Region b's pool without workers: it takes no work.</summary>
    public PoolHealth PeerPoolDown() => new(Namespace, Pool, ReadyWorkers: 0, Lag: 1, UnavailableSeconds: 120, Federation: null);

    public async ValueTask InitializeAsync()
    {
        await Services.RequireNatsAsync();
        await Services.RequirePostgresAsync();
        Regions = await FederatedNats.StartAsync(TestPrefix.NewNatsRoot("regions"), "a", "b");
        A = await RegionSide.CreateAsync(Regions, "a", $"t_rg_a_{_suffix}", Namespace);
        B = await RegionSide.CreateAsync(Regions, "b", $"t_rg_b_{_suffix}", Namespace);
        // What each region's operator does: its results streams, and (in a) the pool's consumer; b's worker makes its own.
        await A.Streams(["b"]).EnsureAsync();
        await B.Streams(["a"]).EnsureAsync();
        await new TaskQueueTopology(A.JetStream, A.Names, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance)
            .EnsureConsumerAsync(new PoolConsumerSettings(Namespace, Pool, TimeSpan.FromSeconds(5), 2, 1, 8));

        var keys = new ApiKeyFile
        {
            Keys = [new ApiKeyEntry { Name = "tests", Sha256 = ApiKeyStore.HashHex(Key), Namespaces = [Namespace], Scopes = [KeyScopes.Submit, KeyScopes.Read] }],
        };
        await File.WriteAllTextAsync(_keysFile, JsonSerializer.Serialize(keys, WebJson));

        _announcer = AnnounceForeverAsync(_stop.Token);

        Worker = BuiltServices.StartWorker(Regions.Connections(Services.Connections, "b"), new Dictionary<string, string>
        {
            ["Worker__Namespace"] = Namespace,
            ["Worker__Pool"] = Pool,
            ["Worker__Schema"] = B.Schema,
            ["Worker__MaxDeliver"] = "2",
            ["Worker__Backoff__0"] = "00:00:00.200",
            ["Worker__AckWait"] = "00:00:05",
        });
        Gateway = BuiltServices.StartGateway(Regions.Connections(Services.Connections, "a"), new Dictionary<string, string>
        {
            ["Gateway__Schema"] = A.Schema,
            ["Gateway__ApiKeysFile"] = _keysFile,
            ["Gateway__OutboxRelayAfter"] = "00:00:10",
        });
        await Task.WhenAll(Worker.WaitReadyAsync(ServiceStartup.Limit), Gateway.WaitReadyAsync(ServiceStartup.Limit));
    }

    /// <summary>
    /// From now on announces <paramref name="a"/> as region a's pool and <paramref name="b"/> as region b's, and returns
    /// once the gateway has heard an announcement of each taken after this call (of a alone when
    /// <paramref name="heardFromB"/> is false: b's do not cross a cut link).
    /// </summary>
    public async Task AnnounceAsync(PoolHealth a, PoolHealth b, bool heardFromB = true)
    {
        var since = DateTimeOffset.UtcNow;
        _health = (a, b);
        await EventuallyAsync(async () =>
        {
            var metrics = await Gateway.GetStringAsync("/metrics");
            return HeardAt(metrics, "a") >= since && (!heardFromB || HeardAt(metrics, "b") >= since);
        }, "the gateway heard the new region health");
    }

    private async Task AnnounceForeverAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var (a, b) = _health;
                await A.AnnounceAsync(a, cancellationToken);
                await B.AnnounceAsync(b, cancellationToken);
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (NatsException)
            {
                // A server between reconnects: the next round announces again.
            }
        }
    }

    // The gateway's metaevolve_gateway_region_health_timestamp_seconds for the region.
    private static DateTimeOffset HeardAt(string metrics, string region)
    {
        var prefix = $"metaevolve_gateway_region_health_timestamp_seconds{{region=\"{region}\"}} ";
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null
            ? DateTimeOffset.MinValue
            : DateTimeOffset.FromUnixTimeMilliseconds((long)(double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture) * 1000));
    }

    /// <summary>Submits an echo (or, with <paramref name="sleepMs"/>, a sleep) through the gateway; its id.</summary>
    public async Task<Guid> SubmitAsync(HttpClient client, string text, int sleepMs = 0)
    {
        var call = sleepMs > 0
            ? JsonContent.Create(new { call = new { skill = "system", function = "sleep", arguments = new { ms = sleepMs } } })
            : JsonContent.Create(new { call = new { skill = "system", function = "echo", arguments = new { text } } });
        using var response = await client.PostAsync(new Uri(SubmitPath, UriKind.Relative), call);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>GET /v1/tasks/{id}?wait= through the gateway.</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient client, Guid id, string wait = "60s")
    {
        using var response = await client.GetAsync(new Uri($"/v1/tasks/{id:D}?wait={wait}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (60 s at most), failing with the services' last output.</summary>
    public async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting until {what}\n{Diagnostics()}");
            await Task.Delay(100);
        }
    }

    /// <summary>The last output of the gateway and the worker, for failure messages.</summary>
    public string Diagnostics() => $"--- gateway (a):\n{Tail(Gateway)}\n--- worker (b):\n{Tail(Worker)}";

    private static string Tail(ChildProcess? process) => process?.Output is { } output ? output[Math.Max(0, output.Length - 4000)..] : "";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_announcer is not null)
        {
            await _announcer;
        }
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
        if (Worker is not null)
        {
            await Worker.DisposeAsync();
        }
        if (A is not null)
        {
            await A.DisposeAsync();
        }
        if (B is not null)
        {
            await B.DisposeAsync();
        }
        if (Regions is not null)
        {
            await Regions.DisposeAsync();
        }
        File.Delete(_keysFile);
        _stop.Dispose();
    }

    /// <summary>One region as the test sees it: its NATS names, a connection to its server, and its store.</summary>
    public sealed class RegionSide : IAsyncDisposable
    {
        private RegionSide(string region, NatsNames names, string schema, NatsConnection nats, NpgsqlDataSource dataSource)
        {
            Region = region;
            Names = names;
            Schema = schema;
            Nats = nats;
            JetStream = new NatsJSContext(nats);
            DataSource = dataSource;
            Tasks = new TaskRepository(dataSource, schema);
        }

        public string Region { get; }
        public NatsNames Names { get; }
        public string Schema { get; }
        public NatsConnection Nats { get; }
        public NatsJSContext JetStream { get; }
        public NpgsqlDataSource DataSource { get; }
        public TaskRepository Tasks { get; }

        public static async Task<RegionSide> CreateAsync(FederatedNats federation, string region, string schema, string ns)
        {
            var connections = federation.Connections(Services.Connections, region);
            var store = new StoreOptions { Schema = schema };
            var dataSource = StoreDataSource.Create(connections, store);
            await new StoreMigrator(dataSource, store, NullLogger<StoreMigrator>.Instance).MigrateAsync(CancellationToken.None);
            // Agents are applied to every region.
            await new AgentRepository(dataSource).UpsertAsync(ns, Agent, Pool, "d1",
                """{"poolRef":{"name":"p"},"model":{"provider":"OpenAI","model":"gpt-4o-mini"}}""", "[]", CancellationToken.None);
            var nats = new NatsConnection(new NatsOpts { Url = federation.Url(region), Name = $"regions tests {region}" });
            await nats.ConnectAsync();
            return new RegionSide(region, connections.Names, schema, nats, dataSource);
        }

        public RegionStreams Streams(IReadOnlyList<string> peers) => new(JetStream, Names, peers, 1, NullLogger<RegionStreams>.Instance);

        /// <summary>This region's operator's announcement: its one pool, in <paramref name="pool"/>'s state.</summary>
        public ValueTask AnnounceAsync(PoolHealth pool, CancellationToken cancellationToken)
        {
            var health = new RegionHealth { Region = Region, At = DateTimeOffset.UtcNow, IntervalSeconds = 60, Pools = [pool] };
            return Nats.PublishAsync(Names.RegionHealth(Region), JsonSerializer.SerializeToUtf8Bytes(health, RegionJsonContext.Default.RegionHealth), cancellationToken: cancellationToken);
        }

        /// <summary>Messages in this region's task stream now.</summary>
        public async Task<long> QueuedMessagesAsync() => (long)(await JetStream.GetStreamAsync(Names.TaskStream)).Info.State.Messages;

        public async ValueTask DisposeAsync()
        {
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
}
