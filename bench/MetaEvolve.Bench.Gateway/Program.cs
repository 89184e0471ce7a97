// make bench-gateway: system.echo through the gateway (one POST ?wait=30s, GET ?wait only if it outlasts that) against publishing the same envelope straight
// to JetStream and awaiting its result notice, in the same run, on the same worker and servers; then the same load over
// two gateway replicas against one. Diagnostics go to stderr; stdout carries the four result lines and `#` lines with
// the CPU use of each throughput phase.
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MetaEvolve.Bench;
using MetaEvolve.Bench.Gateway;
using MetaEvolve.Core;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;

BenchStop.Install();
var c = CultureInfo.InvariantCulture;
var tasks = BenchArguments.Int("--tasks", 4_000);
var warmup = BenchArguments.Int("--warmup", 500);
var concurrency = BenchArguments.Int("--concurrency", 64);
var latencyTasks = BenchArguments.Int("--latency-tasks", 1_000);
var latencyConcurrency = BenchArguments.Int("--latency-concurrency", 4);
var workerDll = BenchArguments.Text("--worker", RepositoryRoot.Combine("agent-runtime", "MetaEvolve.AgentRuntime", "bin", "Release", "net10.0", "MetaEvolve.AgentRuntime.dll"));
var gatewayDll = BenchArguments.Text("--gateway", RepositoryRoot.Combine("gateway", "MetaEvolve.Gateway", "bin", "Release", "net10.0", "MetaEvolve.Gateway.dll"));

var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
// A NATS root of the run's own: a stream that a developer's `make run` left on the same server is not in the way.
var connections = ConnectionOptions.FromEnvironment() with { NatsRoot = $"bench-gw-{suffix}" };
var names = connections.Names;
var store = new StoreOptions { Schema = $"bench_gw_{suffix}" };
var ns = $"bench-{suffix}";
const string Pool = "p";
const string Agent = "echo";
var apiKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
var keysFile = Path.Combine(Path.GetTempPath(), $"metaevolve-bench-keys-{suffix}.json");
await File.WriteAllTextAsync(keysFile, $$"""{"keys": [{"name": "bench", "sha256": "{{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)))}}", "namespaces": ["{{ns}}"], "requestsPerSecond": 1000000, "burst": 1000000}]}""");

await using var dataSource = StoreDataSource.Create(connections, store);
await new StoreMigrator(dataSource, store, NullLogger<StoreMigrator>.Instance).MigrateAsync(CancellationToken.None);
await new AgentRepository(dataSource).UpsertAsync(ns, Agent, Pool, "d", "{}", "[]", CancellationToken.None);

await using var nats = NatsConnectionFactory.Create(connections, "bench-gateway", subscriptionCapacity: 10_000);
var js = new NatsJSContext(nats);
await new TaskQueueTopology(js, names, new TaskStreamOptions { MaxMessages = 10_000_000 }, NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync();
var publisher = new TaskPublisher(js, names);

var worker = BenchChildren.StartService("worker", workerDll, connections, new Dictionary<string, string>
{
    ["Worker__Namespace"] = ns,
    ["Worker__Pool"] = Pool,
    ["Worker__Schema"] = store.Schema,
    ["Worker__Concurrency"] = concurrency.ToString(c),
});
var gateways = Enumerable.Range(1, 2).Select(n => BenchChildren.StartService($"gateway-{n}", gatewayDll, connections, new Dictionary<string, string>
{
    ["Gateway__Schema"] = store.Schema,
    ["Gateway__ApiKeysFile"] = keysFile,
    ["Gateway__MigrateStore"] = "false",
})).ToArray();
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
var clients = gateways.Select(gateway => new HttpClient(handler, disposeHandler: false) { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) }).ToArray();
foreach (var client in clients)
{
    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
}
var http = clients[0];
var submitPath = new Uri($"/v1/namespaces/{ns}/agents/{Agent}/tasks", UriKind.Relative);
var failures = 0;

Console.WriteLine($"# context: {RunContext.Describe()} at start");
try
{
    await Task.WhenAll(gateways.Select(g => g.WaitReadyAsync(TimeSpan.FromSeconds(60))).Append(worker.WaitReadyAsync(TimeSpan.FromSeconds(60))));

    Console.Error.WriteLine($"warm-up: {warmup} tasks each");
    await new ClosedLoop(warmup, concurrency).RunAsync(ThroughGatewayAsync);
    await new ClosedLoop(warmup, concurrency).RunAsync(ThroughTwoGatewaysAsync);
    await new ClosedLoop(warmup, concurrency).RunAsync(StraightToJetStreamAsync);

    var cpu = new CpuUse(new Dictionary<string, int[]> { ["gateways"] = gateways.Select(g => g.Id).ToArray(), ["worker"] = [worker.Id] });
    // Each phase starts once the processes are quiet: on the two-core build machine the gateways went on using a core
    // for about 3 s after the warm-up (the JIT's background tier-1 compiles), a share taken from the next phase.
    var settled = await cpu.SettleAsync(0.1, TimeSpan.FromSeconds(30));
    Console.Error.WriteLine($"settled after the warm-up in {settled.TotalSeconds:F1} s");
    Console.Error.WriteLine($"latency: {latencyTasks} tasks each, {latencyConcurrency} clients");
    var oursLatency = await new ClosedLoop(latencyTasks, latencyConcurrency).RunAsync(ThroughGatewayAsync);
    var baseLatency = await new ClosedLoop(latencyTasks, latencyConcurrency).RunAsync(StraightToJetStreamAsync);
    Console.Error.WriteLine($"throughput: {tasks} tasks each, {concurrency} clients");
    await cpu.SettleAsync(0.1, TimeSpan.FromSeconds(30));
    cpu.Start();
    var oursThroughput = await new ClosedLoop(tasks, concurrency).RunAsync(ThroughGatewayAsync);
    var oursCpu = cpu.Describe();
    await cpu.SettleAsync(0.1, TimeSpan.FromSeconds(30));
    cpu.Start();
    var baseThroughput = await new ClosedLoop(tasks, concurrency).RunAsync(StraightToJetStreamAsync);
    var baseCpu = cpu.Describe();
    await cpu.SettleAsync(0.1, TimeSpan.FromSeconds(30));
    cpu.Start();
    var twoReplicas = await new ClosedLoop(tasks, concurrency).RunAsync(ThroughTwoGatewaysAsync);
    var twoCpu = cpu.Describe();
    if (failures > 0)
    {
        throw new InvalidOperationException($"{failures} tasks did not succeed");
    }

    foreach (var (name, p) in new[] { ("p50", 0.50), ("p99", 0.99) })
    {
        var o = oursLatency.Percentile(p);
        var b = baseLatency.Percentile(p);
        Console.WriteLine(string.Format(c, "gateway.latency.{0}: {1:F2} ms (baseline {2:F2} ms, ratio {3:F2})", name, o, b, o / b));
    }
    Console.WriteLine(string.Format(c, "gateway.throughput: {0:F0} tasks/s (baseline {1:F0} tasks/s, ratio {2:F2})",
        oursThroughput.Throughput, baseThroughput.Throughput, oursThroughput.Throughput / baseThroughput.Throughput));
    Console.WriteLine(string.Format(c, "gateway.throughput.replicas2: {0:F0} tasks/s (baseline {1:F0} tasks/s one replica, ratio {2:F2})",
        twoReplicas.Throughput, oursThroughput.Throughput, twoReplicas.Throughput / oursThroughput.Throughput));
    Console.WriteLine($"# cpu, one gateway: {oursCpu}");
    Console.WriteLine($"# cpu, two gateways: {twoCpu}");
    Console.WriteLine($"# cpu, straight to JetStream: {baseCpu}");
    Console.Error.WriteLine(string.Format(c, "loaded latency p50/p99 ({0} clients): gateway {1:F1}/{2:F1} ms, baseline {3:F1}/{4:F1} ms",
        concurrency, oursThroughput.Percentile(0.5), oursThroughput.Percentile(0.99), baseThroughput.Percentile(0.5), baseThroughput.Percentile(0.99)));
}
finally
{
    Console.WriteLine($"# context: {RunContext.Describe()} at end");
    foreach (var gateway in gateways)
    {
        gateway.Dispose();
    }
    worker.Dispose();
    File.Delete(keysFile);
    await js.DeleteStreamAsync(names.TaskStream);
    await using var drop = dataSource.CreateCommand($"DROP SCHEMA {store.Schema} CASCADE");
    await drop.ExecuteNonQueryAsync();
}

Task ThroughGatewayAsync(int i) => SubmitAndWaitAsync(http, i);

// Round robin over the replicas, as a Service spreads connections.
Task ThroughTwoGatewaysAsync(int i) => SubmitAndWaitAsync(clients[i % clients.Length], i);

// What a synchronous client of the gateway does: one submission that waits for the task, long-polling by id only if
// the task outlasts that wait.
async Task SubmitAndWaitAsync(HttpClient http, int i)
{
    using var content = new StringContent("""{"call":{"skill":"system","function":"echo","arguments":{"i":""" + i.ToString(c) + ""","text":"hello from the benchmark"}}}""", Encoding.UTF8, "application/json");
    using var submitted = await http.PostAsync(submitPath + "?wait=30s", content);
    if (submitted.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Accepted))
    {
        throw new InvalidOperationException($"submit answered {(int)submitted.StatusCode}: {await submitted.Content.ReadAsStringAsync()}");
    }
    var location = submitted.Headers.Location!;
    using var first = JsonDocument.Parse(await submitted.Content.ReadAsStreamAsync());
    var status = first.RootElement.GetProperty("status").GetString()!;
    while (submitted.StatusCode == HttpStatusCode.Accepted && !TaskStates.IsFinal(status))
    {
        using var response = await http.GetAsync(new Uri(location + "?wait=30s", UriKind.Relative));
        using var task = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        status = task.RootElement.GetProperty("status").GetString()!;
    }
    if (status != TaskStates.Succeeded)
    {
        Interlocked.Increment(ref failures);
    }
}

// The raw path: the same envelope published to JetStream by hand, awaiting the worker's result notice.
async Task StraightToJetStreamAsync(int i)
{
    var envelope = new TaskEnvelope
    {
        Id = TaskIds.NewId(),
        Namespace = ns,
        Pool = Pool,
        Agent = Agent,
        Input = TaskInput.Direct("system", "echo", JsonDocument.Parse(string.Create(c, $$"""{"i":{{i}},"text":"hello from the benchmark"}""")).RootElement),
    };
    await using var notice = await nats.SubscribeCoreAsync<byte[]>(names.Result(envelope.Id));
    await publisher.PublishAsync(envelope);
    var message = await notice.Msgs.ReadAsync();
    var result = JsonSerializer.Deserialize(message.Data, TaskJsonContext.Default.TaskResultNotice);
    if (result?.Status != TaskStates.Succeeded)
    {
        Interlocked.Increment(ref failures);
    }
}
