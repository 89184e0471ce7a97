using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;
using Npgsql;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// What one task scenario runs on: a store schema, a NATS root and a namespace of its own on the run's servers, one
/// agent (system calls, or chat on the <see cref="ScriptedModel"/>), workers and gateways as child processes
/// (the Release builds, as the benchmarks run them) that the scenario may kill and start again. Disposing kills them
/// and drops the schema and the stream.
/// </summary>
internal sealed class TaskBed : IAsyncDisposable
{
    public const string Pool = "p";
    public const string Agent = "a";

    private readonly NpgsqlDataSource _store;
    private readonly string _keysFile;
    private readonly List<ChildProcess> _children = [];
    private readonly HttpClient _http;

    private TaskBed(string name, string bedNamespace, ConnectionOptions connections, StoreOptions store, NpgsqlDataSource dataSource, string keysFile, string apiKey)
    {
        Name = name;
        Namespace = bedNamespace;
        Connections = connections;
        Store = store;
        _store = dataSource;
        _keysFile = keysFile;
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromSeconds(30) };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public string Name { get; }

    public string Namespace { get; }

    public ConnectionOptions Connections { get; }

    public StoreOptions Store { get; }

    public static string WorkerDll { get; set; } = RepositoryRoot.Combine("agent-runtime", "MetaEvolve.AgentRuntime", "bin", "Release", "net10.0", "MetaEvolve.AgentRuntime.dll");

    public static string GatewayDll { get; set; } = RepositoryRoot.Combine("gateway", "MetaEvolve.Gateway", "bin", "Release", "net10.0", "MetaEvolve.Gateway.dll");

    /// <summary>A fresh schema, stream and agent; <paramref name="model"/> makes the agent a chat agent on it.</summary>
    public static Task<TaskBed> CreateAsync(string name, ChaosServices services, ScriptedModel? model)
    {
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var connections = services.Connections with { NatsRoot = $"chaos-{name.Replace('_', '-')}-{suffix}" };
        return CreateAsync(name, model, connections, $"chaos-{name.Replace('_', '-')}", suffix);
    }

    /// <summary>
    /// A bed that is one region of several: its own NATS server (<paramref name="natsUrl"/>, a JetStream domain named
    /// <paramref name="region"/>) and store schema, the NATS root and namespace every region of the run shares (a task
    /// spilled to a peer runs in the peer's pool of the same name).
    /// </summary>
    public static Task<TaskBed> CreateRegionAsync(string name, ChaosServices services, string natsUrl, string root, string region, IReadOnlyList<string> peers, string bedNamespace) =>
        CreateAsync(name, model: null,
            services.Connections with { NatsUrl = natsUrl, NatsRoot = root, Region = region, Peers = peers },
            bedNamespace, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));

    private static async Task<TaskBed> CreateAsync(string name, ScriptedModel? model, ConnectionOptions connections, string bedNamespace, string suffix)
    {
        var store = new StoreOptions { Schema = $"chaos_{name}_{suffix}" };
        var apiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var keysFile = Path.Combine(Path.GetTempPath(), $"metaevolve-chaos-keys-{suffix}.json");
        await File.WriteAllTextAsync(keysFile, $$"""{"keys": [{"name": "chaos", "sha256": "{{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)))}}", "namespaces": ["{{bedNamespace}}"], "requestsPerSecond": 1000000, "burst": 1000000}]}""");

        var dataSource = StoreDataSource.Create(connections, store);
        var bed = new TaskBed(name.Replace('_', '-'), bedNamespace, connections, store, dataSource, keysFile, apiKey);
        await new StoreMigrator(dataSource, store, NullLogger<StoreMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var spec = model is null ? new JsonObject() : ChatAgentSpec(model);
        await new AgentRepository(dataSource).UpsertAsync(bed.Namespace, Agent, Pool, "chaos", spec.ToJsonString(), "[]", CancellationToken.None);
        await using var nats = NatsConnectionFactory.Create(connections, "chaos");
        await new TaskQueueTopology(new NatsJSContext(nats), connections.Names, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync();
        return bed;
    }

    /// <summary>
    /// A worker of the pool. A short ack wait (5 s) so a killed worker's tasks come back within the scenario, and
    /// deliveries to spare (10) so repeated kills do not dead-letter a task.
    /// </summary>
    public ChildProcess StartWorker(int concurrency)
    {
        var worker = BenchChildren.StartService("worker", WorkerDll, Connections, new Dictionary<string, string>
        {
            ["Worker__Namespace"] = Namespace,
            ["Worker__Pool"] = Pool,
            ["Worker__Schema"] = Store.Schema,
            ["Worker__Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
            ["Worker__AckWait"] = "00:00:05",
            ["Worker__MaxDeliver"] = "10",
            ["Worker__MigrateStore"] = "false",
            ["Agents__RedisPrefix"] = $"chaos-{Name}",
            [AgentSecrets.ApiKeyVariable(Agent)] = "chaos-model-key",
        });
        Track(worker);
        return worker;
    }

    public ChildProcess StartGateway()
    {
        var gateway = BenchChildren.StartService("gateway", GatewayDll, Connections, new Dictionary<string, string>
        {
            ["Gateway__Schema"] = Store.Schema,
            ["Gateway__ApiKeysFile"] = _keysFile,
            ["Gateway__MigrateStore"] = "false",
        });
        Track(gateway);
        return gateway;
    }

    /// <summary>
    /// Submits a task through <paramref name="gateway"/>: its id when the gateway answered 202 (the task is
    /// acknowledged and must end in a result), null when it refused or failed (the client knows it was not taken, or
    /// does not know: a retry with the same <paramref name="idempotencyKey"/> settles which).
    /// </summary>
    public async Task<Guid?> SubmitAsync(ChildProcess gateway, string body, string idempotencyKey, CancellationToken cancellationToken)
    {
        var path = new Uri(gateway.BaseAddress!, $"/v1/namespaces/{Namespace}/agents/{Agent}/tasks");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", idempotencyKey);
            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                return null;
            }
            using var accepted = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            return accepted.RootElement.GetProperty("id").GetGuid();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            // A killed gateway or a timed-out request: not acknowledged.
            return null;
        }
    }

    public static string SleepBody(int ms) =>
        """{"call":{"skill":"system","function":"sleep","arguments":{"ms":""" + ms.ToString(CultureInfo.InvariantCulture) + "}}}";

    public static string ChatBody(string message, string? thread) =>
        new JsonObject { ["message"] = message, ["threadId"] = thread }.ToJsonString();

    /// <summary>Polls the store until every task in <paramref name="ids"/> has a final status, or <paramref name="timeout"/> passes.</summary>
    public async Task WaitFinalAsync(IReadOnlyCollection<Guid> ids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var records = await ReadAsync(ids, cancellationToken);
            if (records.Count(r => TaskStates.IsFinal(r.Status)) == ids.Count)
            {
                return;
            }
            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>
    /// The store's record of each task: status and attempts (how many times a worker claimed it to run it). Retried for
    /// up to a minute: after a PostgreSQL restart the first use of a pooled connection fails.
    /// </summary>
    public async Task<List<TaskRow>> ReadAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadOnceAsync(ids, cancellationToken);
            }
            catch (NpgsqlException) when (attempt < 60)
            {
                await Task.Delay(1_000, cancellationToken);
            }
        }
    }

    private async Task<List<TaskRow>> ReadOnceAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        var rows = new List<TaskRow>(ids.Count);
        await using var command = _store.CreateCommand(
            $"SELECT id, status, attempts, queued_at, finished_at, error, region FROM {Store.Schema}.tasks WHERE id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. ids] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new TaskRow(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_children)
        {
            foreach (var child in _children)
            {
                child.Dispose();
            }
        }
        _http.Dispose();
        File.Delete(_keysFile);
        try
        {
            await using var nats = NatsConnectionFactory.Create(Connections, "chaos-cleanup");
            await new NatsJSContext(nats).DeleteStreamAsync(Connections.Names.TaskStream);
            await using var drop = _store.CreateCommand($"DROP SCHEMA {Store.Schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NatsJSException or NpgsqlException or NATS.Client.Core.NatsException)
        {
            Console.Error.WriteLine($"{Name}: clean-up incomplete ({ex.Message}); `hack/services.sh clean` with the chaos services dir removes everything");
        }
        await _store.DisposeAsync();
    }

    private void Track(ChildProcess child)
    {
        lock (_children)
        {
            _children.Add(child);
        }
    }

    // A chat agent without tools on the scripted model, with thread memory in Redis (what redis_restart takes away).
    private static JsonObject ChatAgentSpec(ScriptedModel model) => new()
    {
        ["poolRef"] = new JsonObject { ["name"] = Pool },
        ["instructions"] = "Answer the chaos harness.",
        ["model"] = new JsonObject
        {
            ["provider"] = "OpenAICompatible",
            ["model"] = "scripted",
            ["endpoint"] = model.Endpoint,
            ["apiKeySecretRef"] = new JsonObject { ["name"] = "model-key", ["key"] = "apiKey" },
        },
        ["skills"] = new JsonArray(),
        ["maxIterations"] = 2,
        ["memory"] = new JsonObject { ["maxTurns"] = 4, ["ttlSeconds"] = 600 },
    };
}

/// <summary>A task as the store recorded it; <see cref="Region"/> is where it ran (null without regions).</summary>
internal sealed record TaskRow(Guid Id, string Status, int Attempts, DateTimeOffset QueuedAt, DateTimeOffset? FinishedAt, string? Error, string? Region);
