// make bench-operator: the operator's cold start over 1,000 stored pools and agents against the bare clients creating
// the same children (same run, same parallelism), its API requests, its writes while idle, its peak memory, and the
// activation of a pool scaled to zero. Diagnostics go to stderr (and lines starting with #); stdout carries the
// result lines.
using System.Globalization;
using MetaEvolve.Bench;
using MetaEvolve.Bench.Operator;
using MetaEvolve.Core;
using MetaEvolve.Core.Store;
using MetaEvolve.DevCluster.Local;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

var c = CultureInfo.InvariantCulture;
var pools = BenchArguments.Int("--pools", 1_000);
// The operator's default Operator__Workers; the baseline runs with the same parallelism.
var workers = BenchArguments.Int("--workers", new MetaEvolve.Operator.OperatorOptions().Workers);
var idleSeconds = BenchArguments.Int("--idle-seconds", 60);
var busySeconds = BenchArguments.Int("--busy-seconds", 60);
// Operator__StatusInterval for the run (e.g. 0 to see the writes without the bound); the operator's default otherwise.
var statusInterval = BenchArguments.Text("--status-interval", "");
var samples = BenchArguments.Int("--activation-samples", 10);
var root = RepositoryRoot.Path;
var operatorDll = BenchArguments.Text("--operator", Path.Combine(root, "operator", "MetaEvolve.Operator.Host", "bin", "Release", "net10.0", "MetaEvolve.Operator.Host.dll"));
// The worker the runner starts for activation, as the agent-runtime image ships it: a Release build with ReadyToRun code
// (make bench-operator publishes it).
var workerDll = BenchArguments.Text("--worker", Path.Combine(root, "agent-runtime", "MetaEvolve.AgentRuntime", "bin", "Release", "net10.0", "linux-x64", "publish", "MetaEvolve.AgentRuntime.dll"));
var connections = ConnectionOptions.FromEnvironment();
var names = BenchIsolation.Create();
var store = new StoreOptions { Schema = names.Schema };
BenchStop.Install();
using var stop = CancellationTokenSource.CreateLinkedTokenSource(BenchStop.Token);

Console.WriteLine($"# context: {RunContext.Describe()} at start; {pools} pools, {workers} workers, idle window {idleSeconds} s, busy window {busySeconds} s, {samples} activation samples");
var exitCode = 0;
await using var dataSource = StoreDataSource.Create(connections, store);
try
{
    // The schema exists before the operator starts, as on any restart: its cold start is reconciling, not migrating.
    await new StoreMigrator(dataSource, store, NullLogger<StoreMigrator>.Instance).MigrateAsync(stop.Token);

    var operatorSettings = statusInterval.Length == 0 ? new Dictionary<string, string>() : new Dictionary<string, string> { ["StatusInterval"] = statusInterval };
    var coldStart = await new ColdStartBenchmark(root, operatorDll, connections, names, pools, workers, TimeSpan.FromSeconds(idleSeconds),
        TimeSpan.FromSeconds(busySeconds), operatorSettings).RunAsync(stop.Token);
    Console.WriteLine(string.Format(c, "operator.coldstart: {0:F2} s (baseline {1:F2} s, ratio {2:F2})",
        coldStart.Operator.TotalSeconds, coldStart.Baseline.TotalSeconds, coldStart.Operator / coldStart.Baseline));
    Console.WriteLine(string.Format(c, "operator.requests: {0}", coldStart.Requests));
    Console.WriteLine(string.Format(c, "operator.idle_writes: {0} (plus {1} Lease renewals: leader election's heartbeat)", coldStart.IdleWrites, coldStart.IdleLeaseRenewals));
    Console.WriteLine(string.Format(c, "operator.busy_status_writes_per_min: {0:F0}", coldStart.BusyStatusWritesPerMinute));
    Console.WriteLine(string.Format(c, "operator.peak_memory: {0:F0} MB", coldStart.PeakMemoryMegabytes));

    try
    {
        var activations = await new ActivationBenchmark(root, operatorDll, workerDll, connections, names, samples, workers).RunAsync(stop.Token);
        activations.Sort();
        Console.WriteLine(string.Format(c, "operator.activation.p50: {0:F0} ms", Percentile.Of(activations, 0.50)));
        Console.WriteLine(string.Format(c, "operator.activation.p90: {0:F0} ms", Percentile.Of(activations, 0.90)));
    }
    catch (Exception exception) when (exception is TimeoutException or InvalidOperationException)
    {
        Console.Error.WriteLine($"activation failed: {exception.Message}");
        exitCode = 1;
    }
}
finally
{
    Console.WriteLine($"# context: {RunContext.Describe()} at end");
    await CleanUpAsync();
}

return exitCode;

// The control planes kept their objects in memory and are gone; what remains is on the shared servers. Bounded and
// best effort: a loaded server may not answer a deletion in time, and the figures are already printed.
async Task CleanUpAsync()
{
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    await using var connection = NatsConnectionFactory.Create(connections, "bench-operator");
    var js = new NatsJSContext(connection);
    foreach (var nats in names.AllNats)
    {
        await DeleteQuietlyAsync(() => js.DeleteStreamAsync(nats.TaskStream, timeout.Token), nats.TaskStream);
        await DeleteQuietlyAsync(() => new NatsKVContext(js).DeleteStoreAsync(nats.ConfigBucket, timeout.Token), nats.ConfigBucket);
    }

    await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {store.Schema} CASCADE");
    await drop.ExecuteNonQueryAsync(timeout.Token);
}

static async Task DeleteQuietlyAsync(Func<ValueTask<bool>> delete, string what)
{
    try
    {
        await delete();
    }
    catch (NatsJSApiException)
    {
        // Never created (a phase did not get that far).
    }
    catch (Exception exception) when (exception is NatsJSException or OperationCanceledException)
    {
        Console.Error.WriteLine($"# cleanup: could not delete {what} ({exception.Message}); `make services-clean` removes it");
    }
}
