// make bench-runtime: one agent-runtime worker against NATS.Net + Npgsql written by hand (the baseline), same run,
// same servers, same concurrency; the worker's own breakdown of that latency by stage; the start-up of a worker
// against a console app that fetches one message; then the live-reload latency of agents over three workers and the
// idle memory of a worker; what budgets and streaming cost a chat task (both on against both off); last,
// self-evolution on the real operator and three workers it runs: an agent-authored skill's approval, and a rollback,
// until every worker serves it. Diagnostics go to stderr; stdout carries the result lines (the breakdown as # lines).
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MetaEvolve.Bench;
using MetaEvolve.Bench.Runtime;
using MetaEvolve.Core;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

if (args is [StartupProbe.Mode, var probeStream, var probeConsumer])
{
    await StartupProbe.RunAsync(probeStream, probeConsumer);
    return;
}
BenchStop.Install();
var tasks = BenchArguments.Int("--tasks", 50_000);
// A fresh worker and a fresh tasks partition run at about half speed for their first tens of thousands of
// tasks (JIT tiering, PostgreSQL growing the new partition before autovacuum has visited it): measured here.
var warmup = BenchArguments.Int("--warmup", 30_000);
var concurrency = BenchArguments.Int("--concurrency", 64);
var latencyRate = BenchArguments.Int("--latency-rate", 1_000);
var latencyTasks = BenchArguments.Int("--latency-tasks", 5_000);
var reloadRounds = BenchArguments.Int("--reload-rounds", 50);
// Chat tasks on the scripted model, per side of the budgets-and-streaming figure, and their rate.
var chatTasks = BenchArguments.Int("--chat-tasks", 2_000);
var chatRate = BenchArguments.Int("--chat-rate", 200);
// Approvals timed, then as many rollbacks.
var evolutionRounds = BenchArguments.Int("--evolution-rounds", 20);
// "evolution" runs only the self-evolution figures (no task pipeline, start-up or reload); anything else runs all.
var only = BenchArguments.Text("--only", "");
var operatorDll = BenchArguments.Text("--operator", RepositoryRoot.Combine("operator", "MetaEvolve.Operator.Host", "bin", "Release", "net10.0", "MetaEvolve.Operator.Host.dll"));
// The worker as the image ships it: published with ReadyToRun code (make bench-runtime publishes it).
var workerDll = BenchArguments.Text("--worker", RepositoryRoot.Combine("agent-runtime", "MetaEvolve.AgentRuntime", "bin", "Release", "net10.0", "linux-x64", "publish", "MetaEvolve.AgentRuntime.dll"));
// Other work on a shared machine comes in bursts: alternate the two sides over rounds and keep each side's best.
var rounds = BenchArguments.Int("--rounds", 1);
// Start-ups measured per side (alternating; the median is printed).
var startupSamples = BenchArguments.Int("--startup-samples", 5);

var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
if (only == "evolution")
{
    await WriteEvolutionAsync();
    return;
}

// A NATS root of the run's own: a stream that a developer's `make run` left on the same server is not in the way.
var connections = ConnectionOptions.FromEnvironment() with { NatsRoot = $"bench-rt-{suffix}" };
var names = connections.Names;
var store = new StoreOptions { Schema = $"bench_{suffix}" };
var ns = $"bench-{suffix}";
const string Pool = "p";
const string Agent = "echo";
var baseStream = $"BENCH_BASE_{suffix.ToUpperInvariant()}";
var baseSubject = $"bench.base.{suffix}";

await using var dataSource = StoreDataSource.Create(connections, store);
await new StoreMigrator(dataSource, store, NullLogger<StoreMigrator>.Instance).MigrateAsync(CancellationToken.None);
await Exec($"INSERT INTO {store.Schema}.agents (namespace, name, pool, digest, spec) VALUES ('{ns}', '{Agent}', '{Pool}', 'd', '{{}}')");
await Exec($"CREATE TABLE {store.Schema}.baseline_results (id uuid PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");

await using var nats = NatsConnectionFactory.Create(connections, "bench-runtime", subscriptionCapacity: 200_000);
var js = new NatsJSContext(nats);
await new TaskQueueTopology(js, names, new TaskStreamOptions { MaxMessages = 10_000_000 }, NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync();
var publisher = new TaskPublisher(js, names);
await js.CreateOrUpdateStreamAsync(new StreamConfig(baseStream, [$"{baseSubject}.>"])
{
    Retention = StreamConfigRetention.Workqueue,
    Storage = StreamConfigStorage.File,
    DuplicateWindow = TimeSpan.FromMinutes(2),
});

LatencyRecorder? current = null;
using var stop = CancellationTokenSource.CreateLinkedTokenSource(BenchStop.Token);
var results = Task.Run(async () =>
{
    await foreach (var msg in nats.SubscribeAsync<byte[]>(names.AllResults, cancellationToken: stop.Token))
    {
        current?.Completed(Guid.Parse(msg.Subject.AsSpan(names.ResultsPrefix.Length + 1)));
    }
});
await nats.PingAsync();

await using var reload = new ReloadBenchmark(nats, js, dataSource, publisher, ns, Pool, names);
await reload.SetUpAsync(CancellationToken.None);
var startup = new StartupBenchmark(js, connections, suffix);
await startup.SetUpAsync(CancellationToken.None);
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
var worker = StartWorker();
var otherWorkers = new List<ChildProcess>();
try
{
    await worker.WaitReadyAsync(TimeSpan.FromMinutes(2));
    var baseline = new Baseline(js, dataSource, store.Schema, baseStream, baseSubject, concurrency, () => current);
    var baselineRun = Task.Run(() => baseline.RunAsync(stop.Token));

    Console.Error.WriteLine($"warm-up: {warmup} tasks each");
    await RunOursAsync(warmup, paced: false);
    await RunBaselineAsync(warmup, paced: false);

    Console.Error.WriteLine($"throughput: {tasks} tasks each, concurrency {concurrency}, best of {rounds} alternating rounds");
    LatencyRecorder? ours = null, basis = null;
    for (var round = 0; round < rounds; round++)
    {
        LatencyRecorder o, b;
        if (round % 2 == 0)
        {
            o = await RunOursAsync(tasks, paced: false);
            b = await RunBaselineAsync(tasks, paced: false);
        }
        else
        {
            b = await RunBaselineAsync(tasks, paced: false);
            o = await RunOursAsync(tasks, paced: false);
        }
        ours = ours is null || o.Throughput > ours.Throughput ? o : ours;
        basis = basis is null || b.Throughput > basis.Throughput ? b : basis;
    }
    Console.Error.WriteLine($"latency: {latencyTasks} tasks each at {latencyRate}/s");
    var stagesBefore = await StageHistograms.ScrapeAsync(http, worker.BaseAddress!, stop.Token);
    var oursPaced = await RunOursAsync(latencyTasks, paced: true);
    var stagesAfter = await StageHistograms.ScrapeAsync(http, worker.BaseAddress!, stop.Token);
    var basisPaced = await RunBaselineAsync(latencyTasks, paced: true);

    var c = CultureInfo.InvariantCulture;
    Console.WriteLine(string.Format(c, "runtime.throughput: {0:F0} tasks/s (baseline {1:F0} tasks/s, ratio {2:F2})", ours!.Throughput, basis!.Throughput, ours.Throughput / basis.Throughput));
    WriteLatency("p50", 0.50);
    WriteLatency("p99", 0.99);
    // Where the paced latency goes, as the worker measured it (metaevolve_task_stage_seconds); publish → stream and
    // the result notice → the benchmark are the rest.
    foreach (var stage in StageHistograms.Stages)
    {
        Console.WriteLine(string.Format(c, "# runtime.latency.{0}: p50 {1:F2} ms, p99 {2:F2} ms", stage,
            stagesAfter.PercentileSince(stagesBefore, stage, 0.50), stagesAfter.PercentileSince(stagesBefore, stage, 0.99)));
    }

    // Start-up: the worker stops gracefully; each sample starts one with a task waiting, the last one stays.
    await worker.TerminateAsync(TimeSpan.FromSeconds(30));
    var startupsOurs = new List<double>();
    var startupsBase = new List<double>();
    for (var sample = 0; sample < startupSamples; sample++)
    {
        startupsBase.Add(await startup.ProbeOnceAsync(stop.Token));
        var recorder = new LatencyRecorder(1);
        current = recorder;
        var id = TaskIds.NewId();
        recorder.Published(id);
        await publisher.PublishAsync(new TaskEnvelope { Id = id, Namespace = ns, Pool = Pool, Agent = Agent, Input = TaskInput.Direct("system", "echo", Arguments(sample)) });
        var (ms, started) = await StartupBenchmark.WorkerOnceAsync(() => StartWorker(), () => recorder.WhenDone(TimeSpan.FromMinutes(2)), http, stop.Token);
        startupsOurs.Add(ms);
        worker.Dispose();
        worker = started;
        if (sample < startupSamples - 1)
        {
            await worker.TerminateAsync(TimeSpan.FromSeconds(30));
        }
    }
    Console.Error.WriteLine($"startup samples: ours {string.Join(", ", startupsOurs.Select(v => v.ToString("F0", c)))} ms; baseline {string.Join(", ", startupsBase.Select(v => v.ToString("F0", c)))} ms");
    var startupOurs = Median(startupsOurs);
    var startupBase = Median(startupsBase);
    Console.WriteLine(string.Format(c, "runtime.startup: {0:F0} ms (baseline {1:F0} ms, ratio {2:F2})", startupOurs, startupBase, startupOurs / startupBase));

    void WriteLatency(string name, double p)
    {
        var o = oursPaced.Percentile(p);
        var b = basisPaced.Percentile(p);
        Console.WriteLine(string.Format(c, "runtime.latency.{0}: {1:F2} ms (baseline {2:F2} ms, ratio {3:F2})", name, o, b, o / b));
    }
    // Three workers serve the agent; each must swap in every new skill version.
    otherWorkers.Add(StartWorker());
    otherWorkers.Add(StartWorker());
    foreach (var extra in otherWorkers)
    {
        await extra.WaitReadyAsync(TimeSpan.FromMinutes(2));
    }
    Console.Error.WriteLine($"reload: {reloadRounds} skill versions, 3 workers");
    var reloads = await reload.RunAsync(workers: 3, reloadRounds, CancellationToken.None);
    reloads.Sort();
    Console.WriteLine(string.Format(c, "agents.reload.latency.p99: {0:F2} ms", Percentile.Of(reloads, 0.99)));
    Console.Error.WriteLine(string.Format(c, "reload latency p50 {0:F2} ms, max {1:F2} ms over {2} rounds", Percentile.Of(reloads, 0.50), reloads[^1], reloads.Count));
    // Idle: the reload is over and the worker holds its pool's agents (the skill's latest version loaded).
    await Task.Delay(TimeSpan.FromSeconds(3), stop.Token);
    Console.WriteLine(string.Format(c, "runtime.worker_rss_idle: {0:F0} MB", ResidentMegabytes(worker.Id)));
    Console.Error.WriteLine(string.Format(c, "saturated latency p50/p99: ours {0:F0}/{1:F0} ms, baseline {2:F0}/{3:F0} ms",
        ours.Percentile(0.5), ours.Percentile(0.99), basis.Percentile(0.5), basis.Percentile(0.99)));

    // What budgets and streaming cost a chat task (ChatPathAgents): both off is the baseline, same run, same rate.
    await using var model = new ScriptedModel(TimeSpan.Zero);
    await ChatPathAgents.StoreAsync(new AgentRepository(dataSource), ns, model);
    foreach (var side in new[] { ChatPathAgents.Off, ChatPathAgents.On })
    {
        otherWorkers.Add(StartWorker(side, ChatPathAgents.WorkerSettings(side)));
        await otherWorkers[^1].WaitReadyAsync(TimeSpan.FromMinutes(2));
    }
    Console.Error.WriteLine($"chat path: {chatTasks} chat tasks per side at {chatRate}/s, best p50 of {Math.Max(rounds, 2)} alternating rounds");
    LatencyRecorder? chatOff = null, chatOn = null;
    for (var round = -1; round < Math.Max(rounds, 2); round++)
    {
        // Round -1 warms both sides up and is not counted.
        foreach (var side in round % 2 == 0 ? new[] { ChatPathAgents.Off, ChatPathAgents.On } : [ChatPathAgents.On, ChatPathAgents.Off])
        {
            var run = await RunOursAsync(chatTasks, paced: true, i => ChatTask(side, i), chatRate);
            if (round < 0)
            {
                continue;
            }
            if (side == ChatPathAgents.Off)
            {
                chatOff = chatOff is null || run.Percentile(0.5) < chatOff.Percentile(0.5) ? run : chatOff;
            }
            else
            {
                chatOn = chatOn is null || run.Percentile(0.5) < chatOn.Percentile(0.5) ? run : chatOn;
            }
        }
    }
    Console.WriteLine(string.Format(c, "runtime.latency.p50.chat: {0:F2} ms budgets and streaming on (baseline {1:F2} ms both off, ratio {2:F2})",
        chatOn!.Percentile(0.5), chatOff!.Percentile(0.5), chatOn.Percentile(0.5) / chatOff.Percentile(0.5)));
    Console.WriteLine(string.Format(c, "# runtime.latency.p99.chat: {0:F2} ms on, {1:F2} ms off", chatOn.Percentile(0.99), chatOff.Percentile(0.99)));
    await stop.CancelAsync();
    try
    {
        await baselineRun;
    }
    catch (OperationCanceledException)
    {
    }
}
finally
{
    foreach (var running in otherWorkers.Append(worker))
    {
        running.Dispose();
    }
    try
    {
        await new NATS.Client.KeyValueStore.NatsKVContext(js).DeleteStoreAsync(names.ConfigBucket);
    }
    catch (NatsJSException)
    {
    }
    await js.DeleteStreamAsync(names.TaskStream);
    await js.DeleteStreamAsync(baseStream);
    await startup.TearDownAsync();
    await Exec($"DROP SCHEMA {store.Schema} CASCADE");
}

await WriteEvolutionAsync();

// Self-evolution on a control plane of the run's own, with the operator and a pool of three workers it runs (see
// EvolutionBenchmark). After the figures above: none of their workers is left to share the cores.
async Task WriteEvolutionAsync()
{
    var token = BenchStop.Token;
    Console.Error.WriteLine($"evolution: {evolutionRounds} approvals, then {evolutionRounds} rollbacks, {EvolutionBed.Workers} workers");
    await using var bed = await EvolutionBed.StartAsync(RepositoryRoot.Path, operatorDll, workerDll, ConnectionOptions.FromEnvironment(), suffix, token);
    await using var evolution = new EvolutionBenchmark(bed);
    await evolution.SetUpAsync(token);
    WriteSamples("evolution.approve_to_served", await evolution.ApproveAsync(Math.Max(evolutionRounds, 2), token));
    try
    {
        WriteSamples("evolution.rollback_to_served", await evolution.RollbackAsync(evolutionRounds, token));
    }
    catch (TimeoutException exception)
    {
        Console.WriteLine($"# evolution.rollback_to_served: not measured: {exception.Message}");
        Environment.ExitCode = 1;
    }
}

// The figure's p99 as a result line; p50, p90, the largest and the count as a # line.
static void WriteSamples(string name, List<double> samples)
{
    samples.Sort();
    var c = CultureInfo.InvariantCulture;
    Console.WriteLine(string.Format(c, "{0}.p99: {1:F2} ms", name, Percentile.Of(samples, 0.99)));
    Console.WriteLine(string.Format(c, "# {0}: p50 {1:F2} ms, p90 {2:F2} ms, max {3:F2} ms over {4} rounds", name,
        Percentile.Of(samples, 0.50), Percentile.Of(samples, 0.90), samples[^1], samples.Count));
}

// An echo task by default; <paramref name="task"/> makes another kind.
async Task<LatencyRecorder> RunOursAsync(int count, bool paced, Func<int, TaskEnvelope>? task = null, int? rate = null)
{
    var recorder = new LatencyRecorder(count);
    current = recorder;
    await PublishAsync(count, paced ? rate ?? latencyRate : null, i =>
    {
        var envelope = task?.Invoke(i) ?? new TaskEnvelope
        {
            Id = TaskIds.NewId(),
            Namespace = ns,
            Pool = Pool,
            Agent = Agent,
            Input = TaskInput.Direct("system", "echo", Arguments(i)),
        };
        recorder.Published(envelope.Id);
        return publisher.PublishAsync(envelope);
    });
    await recorder.WhenDone(TimeSpan.FromMinutes(10));
    Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "  ours: {0:F0} tasks/s", recorder.Throughput));
    return recorder;
}

async Task<LatencyRecorder> RunBaselineAsync(int count, bool paced)
{
    var recorder = new LatencyRecorder(count);
    current = recorder;
    await PublishAsync(count, paced ? latencyRate : null, i =>
    {
        // The same bytes the worker gets: a task envelope.
        var id = TaskIds.NewId();
        var body = TaskEnvelopeCodec.Encode(new TaskEnvelope { Id = id, Namespace = ns, Pool = Pool, Agent = Agent, Input = TaskInput.Direct("system", "echo", Arguments(i)) });
        recorder.Published(id);
        return js.PublishAsync($"{baseSubject}.{Agent}", body, opts: new NatsJSPubOpts { MsgId = id.ToString("D") }).AsTask();
    });
    await recorder.WhenDone(TimeSpan.FromMinutes(10));
    Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "  baseline: {0:F0} tasks/s", recorder.Throughput));
    return recorder;
}

// Pipelined: up to 2,048 publishes awaiting their stream ack. Paced (a rate per second): in 10 ms ticks (open loop).
static async Task PublishAsync(int count, int? rate, Func<int, Task> publishOne)
{
    using var window = new SemaphoreSlim(2048);
    var pending = new List<Task>(count);
    var perTick = 0;
    using var timer = rate is null ? null : new PeriodicTimer(TimeSpan.FromMilliseconds(10));
    for (var i = 0; i < count; i++)
    {
        if (timer is not null && perTick-- <= 0)
        {
            await timer.WaitForNextTickAsync();
            perTick = rate!.Value / 100 - 1;
        }
        await window.WaitAsync();
        pending.Add(publishOne(i).ContinueWith(t => { window.Release(); t.GetAwaiter().GetResult(); }, TaskScheduler.Default));
    }
    await Task.WhenAll(pending);
}

TaskEnvelope ChatTask(string agent, int i) => new()
{
    Id = TaskIds.NewId(),
    Namespace = ns,
    Pool = agent,
    Agent = agent,
    Input = TaskInput.Chat(string.Create(CultureInfo.InvariantCulture, $"chaos {i} of the benchmark")),
};

static JsonElement Arguments(int i)
{
    using var doc = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $"{{\"i\":{i},\"text\":\"hello from the benchmark\"}}"));
    return doc.RootElement.Clone();
}

ChildProcess StartWorker(string pool = Pool, IReadOnlyDictionary<string, string>? extra = null)
{
    var settings = new Dictionary<string, string>
    {
        ["Worker__Namespace"] = ns,
        ["Worker__Pool"] = pool,
        ["Worker__Schema"] = store.Schema,
        ["Worker__Concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
        ["Agents__RedisPrefix"] = $"bench_{suffix}",
    };
    foreach (var (key, value) in extra ?? new Dictionary<string, string>())
    {
        settings[key] = value;
    }

    return BenchChildren.StartService("worker", workerDll, connections, settings);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

// VmRSS of /proc/<pid>/status, in kB.
static double ResidentMegabytes(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
}

async Task Exec(string sql)
{
    await using var command = dataSource.CreateCommand(sql);
    await command.ExecuteNonQueryAsync();
}
