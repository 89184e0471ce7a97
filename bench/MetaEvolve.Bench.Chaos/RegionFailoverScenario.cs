using System.Security.Cryptography;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;
using Prometheus;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// <c>chaos.region_failover</c>: two regions on loopback (a nats-server each with its own JetStream domain, joined by a
/// leafnode link through a proxy the run can cut; a store schema each), clients submitting through region a's gateway.
/// A fifth of the way in every worker of a's pool is SIGKILLed: after the pool's failoverAfterSeconds the gateway sends
/// new tasks to b, and the forwarder moves a's queued tasks (the killed workers' unacknowledged ones included) to b.
/// Halfway the link is cut for a while: a keeps accepting (tasks queue at home), and when the link returns the queued
/// tasks move and the results of what b ran come home. Every task a's gateway acknowledged must end with a result in
/// a's store. What stands in for the operators: <see cref="RegionHealthStandIn"/> announces each region's pool; the
/// forwarder is the operator's own <see cref="QueuedTaskForwarder"/>, run in this process.
/// </summary>
internal static class RegionFailoverScenario
{
    private const int FailoverAfterSeconds = 3;

    public static async Task<ScenarioResult> RunAsync(ChaosServices services, CancellationToken cancellationToken)
    {
        var tasks = BenchArguments.Int("--region-tasks", 800);
        var perSecond = BenchArguments.Int("--region-rate", 40);
        var cut = TimeSpan.FromSeconds(BenchArguments.Int("--region-cut-s", 6));
        const int Replicas = 2;
        const int Concurrency = 8;

        var root = $"chaos-region-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        await using var regions = await FederatedNats.StartAsync(root, "a", "b");
        await using var a = await TaskBed.CreateRegionAsync("region_a", services, regions.Url("a"), root, "a", ["b"], "chaos-region");
        await using var b = await TaskBed.CreateRegionAsync("region_b", services, regions.Url("b"), root, "b", ["a"], "chaos-region");
        foreach (var (bed, peer) in new[] { (a, "b"), (b, "a") })
        {
            // What each region's operator does at start: the streams that bring results home.
            await using var nats = NatsConnectionFactory.Create(bed.Connections, "chaos-region-streams");
            await new RegionStreams(new NatsJSContext(nats), bed.Connections.Names, [peer], 1, NullLogger<RegionStreams>.Instance).EnsureAsync(cancellationToken);
        }

        var workersA = Enumerable.Range(0, Replicas).Select(_ => a.StartWorker(Concurrency)).ToArray();
        var workersB = Enumerable.Range(0, Replicas).Select(_ => b.StartWorker(Concurrency)).ToArray();
        var gateway = a.StartGateway();
        await Task.WhenAll([.. workersA.Concat(workersB).Append(gateway).Select(p => p.WaitReadyAsync(TimeSpan.FromSeconds(60)))]);

        await using var healthA = new RegionHealthStandIn(a, () => workersA.Count(w => !w.HasExited), new PoolFederation(["b"], null, FailoverAfterSeconds));
        await using var healthB = new RegionHealthStandIn(b, () => workersB.Count(w => !w.HasExited), new PoolFederation(["a"], null, FailoverAfterSeconds));
        healthA.Start();
        healthB.Start();
        using var stopForwarder = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var forwarderMetrics = new OperatorMetrics(Metrics.NewCustomRegistry());
        var forwarding = ForwardAsync(a, forwarderMetrics, stopForwarder.Token);

        var load = new SubmissionLoad(a, _ => gateway, clients: 16, perSecond: perSecond);
        var submitting = load.RunAsync(tasks, _ => TaskBed.SleepBody(100), TimeSpan.FromMinutes(3), cancellationToken);
        var started = DateTimeOffset.UtcNow;
        var duration = TimeSpan.FromSeconds((double)tasks / perSecond);

        await Task.Delay(duration / 5, cancellationToken);
        var killedAt = DateTimeOffset.UtcNow;
        foreach (var worker in workersA)
        {
            worker.Kill();
        }
        Console.Error.WriteLine($"region_failover: every worker of region a killed at {(killedAt - started).TotalSeconds:0.0} s");

        await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (duration / 2 - (DateTimeOffset.UtcNow - started)).Ticks)), cancellationToken);
        regions.Link("b").Cut();
        Console.Error.WriteLine($"region_failover: link a–b cut at {(DateTimeOffset.UtcNow - started).TotalSeconds:0.0} s for {cut.TotalSeconds:0} s");
        await Task.Delay(cut, cancellationToken);
        regions.Link("b").Restore();

        await submitting;
        var accepted = load.Accepted.Keys.ToArray();
        Console.Error.WriteLine($"region_failover: {load.Refused} submissions not acknowledged after retries");
        await a.WaitFinalAsync(accepted, TimeSpan.FromMinutes(2), cancellationToken);
        await stopForwarder.CancelAsync();
        await forwarding;

        var home = await a.ReadAsync(accepted, cancellationToken);
        var ranInB = (await b.ReadAsync(accepted, cancellationToken)).ToDictionary(r => r.Id);
        Console.Error.WriteLine($"region_failover: {home.Count(r => r.Region == "b")} tasks ran in b, {home.Count(r => r.Region == "a")} in a; " +
            $"the forwarder moved {forwarderMetrics.TasksForwarded.WithLabels(a.Namespace, TaskBed.Pool, "b").Value} queued tasks");
        return ScenarioResult.Count("region_failover", load, home, r => Allowed(r, killedAt), r => Executions(r, ranInB));
    }

    /// <summary>
    /// How often a task may run: once, and once more when it was queued before a's workers were killed (one of them may
    /// have held it; it then runs again where it is sent). b's workers are never killed.
    /// </summary>
    private static int Allowed(TaskRow home, DateTimeOffset killedAt) => home.QueuedAt <= killedAt ? 2 : 1;

    /// <summary>
    /// Executions seen in both stores: b's claims of the task, plus a's when a recorded its own result (a result that
    /// came home carries b's count, and a's only workers were the killed ones).
    /// </summary>
    private static int Executions(TaskRow home, Dictionary<Guid, TaskRow> ranInB) =>
        (ranInB.TryGetValue(home.Id, out var inB) ? inB.Attempts : 0) + (home.Region == "a" ? home.Attempts : 0);

    /// <summary>Region a's leader work that moves queued tasks: the operator's forwarder, on a's NATS and store.</summary>
    private static async Task ForwardAsync(TaskBed a, OperatorMetrics metrics, CancellationToken cancellationToken)
    {
        await using var nats = NatsConnectionFactory.Create(a.Connections, "chaos-region-forwarder");
        await using var store = StoreDataSource.Create(a.Connections, a.Store);
        var board = new RegionHealthBoard(nats, a.Connections.Names, TimeProvider.System, NullLogger<RegionHealthBoard>.Instance);
        var listening = board.RunAsync(cancellationToken);
        var forwarder = new QueuedTaskForwarder(nats, a.Connections.Names, board, new TaskRepository(store, a.Store.Schema),
            metrics, new OperatorOptions { RegionHealthInterval = RegionHealthStandIn.Interval },
            TimeProvider.System, NullLogger<QueuedTaskForwarder>.Instance);
        await forwarder.RunAsync(cancellationToken);
        try
        {
            await listening;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
