using System.Diagnostics;
using System.Globalization;
using MetaEvolve.Core;
using MetaEvolve.Operator.Pools;
using NATS.Client.JetStream;

namespace MetaEvolve.Bench.Operator;

internal sealed record ColdStartResult(TimeSpan Operator, TimeSpan Baseline, int Requests, int IdleWrites, int IdleLeaseRenewals, double BusyStatusWritesPerMinute, double PeakMemoryMegabytes);

/// <summary>
/// operator.coldstart, .requests, .idle_writes and .peak_memory: N pools and N agents stored with the runner off,
/// then the operator process started and timed until every pool is reconciled with its children; its requests
/// counted over that time, its writes over an idle window after it settled, and its pool status writes while every
/// pool's queue moves (<see cref="BusyQueues"/>); then the bare-client baseline
/// creates the same children in a fresh namespace while the operator no longer runs.
/// </summary>
internal sealed class ColdStartBenchmark(string root, string operatorDll, ConnectionOptions services, BenchIsolation names, int pools, int workers, TimeSpan idle,
    TimeSpan busy, IReadOnlyDictionary<string, string> operatorSettings)
{
    private const string Image = "ghcr.io/metaevolve/agent-runtime:bench";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(15);

    // The operator's default Operator__QueuePollInterval.
    private static readonly TimeSpan QueuePollInterval = TimeSpan.FromSeconds(5);

    public async Task<ColdStartResult> RunAsync(CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        var ns = names.Namespace;
        await using var plane = await BenchControlPlane.StartAsync(root, images: null, cancellationToken);
        await plane.CreateNamespaceAsync(ns, cancellationToken);
        await plane.CreateNamespaceAsync(names.BaselineNamespace, cancellationToken);

        var seeding = Stopwatch.StartNew();
        using (var seeder = plane.Client("bench-seed"))
        {
            await PoolSeeder.SeedAsync(seeder, ns, pools, cancellationToken);
        }

        Console.Error.WriteLine(string.Format(c, "# seeded {0} AgentPools and {0} Agents in {1:F1} s", pools, seeding.Elapsed.TotalSeconds));

        // Mode Hpa (the pools' default): an HPA per pool, named like the Deployment; one connection Secret for the namespace.
        var children = new[]
        {
            (plane.Resource("apps", "v1", "deployments"), "-workers", pools),
            (plane.Resource("", "v1", "secrets"), PoolNames.ConnectionSecret, 1),
            (plane.Resource("autoscaling", "v2", "horizontalpodautoscalers"), "-workers", pools),
        };
        using var progress = new ColdStartProgress(plane.Server.Operations.Store, ns, pools,
            plane.Resource("metaevolve.io", "v1alpha1", "agentpools"), plane.Resource("metaevolve.io", "v1alpha1", "agents"), children);
        var connections = services with { NatsRoot = names.Nats.Root };
        await using var nats = NatsConnectionFactory.Create(connections, "bench-operator");
        var js = new NatsJSContext(nats);
        using var following = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var consumers = progress.FollowConsumersAsync(js, names.Nats.TaskStream, ns, following.Token);

        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var settings = OperatorProcess.Settings(names.Schema, ns, Image, workers);
        foreach (var (name, value) in operatorSettings)
        {
            settings[name] = value;
        }

        using var @operator = OperatorProcess.Start(operatorDll, plane.WriteKubeconfig(OperatorProcess.User), connections, settings);
        var poolsDone = await WhileRunningAsync(@operator, progress.PoolsReconciled, progress, cancellationToken);
        var coldStart = Stopwatch.GetElapsedTime(started, poolsDone);
        var requests = RequestTally.Of(plane.Server.Requests, OperatorProcess.User, startedAt, startedAt + coldStart);
        Console.Error.WriteLine(string.Format(c, "# cold start: {0:F2} s; requests: {1}", coldStart.TotalSeconds, requests.Describe()));
        Console.Error.WriteLine($"# cold start milestones: {requests.Milestones(startedAt)}; operator CPU {@operator.CpuSeconds():F1} s of {coldStart.TotalSeconds:F1} s on {Environment.ProcessorCount} cores");
        await consumers;

        // Idle means settled: the agents' reconciles may still run after the last pool's; wait for them too.
        var agentsDone = await WhileRunningAsync(@operator, progress.AgentsReconciled, progress, cancellationToken);
        Console.Error.WriteLine(string.Format(c, "# agents reconciled too after {0:F2} s; idle window {1:F0} s", Stopwatch.GetElapsedTime(started, agentsDone).TotalSeconds, idle.TotalSeconds));
        var eventsBefore = EventNames(plane, ns);
        var idleFrom = DateTimeOffset.UtcNow;
        await Task.Delay(idle, cancellationToken);
        var idleRequests = RequestTally.Of(plane.Server.Requests, OperatorProcess.User, idleFrom, DateTimeOffset.UtcNow);
        Console.Error.WriteLine($"# idle requests: {idleRequests.Describe()}");
        foreach (var line in NewEvents(plane, ns, eventsBefore))
        {
            Console.Error.WriteLine($"# event during the idle window: {line}");
        }
        if (@operator.HasExited)
        {
            throw new InvalidOperationException("the operator exited during the idle window");
        }

        // Busy: every queue moves between two polls; a write per pool per poll is what the status interval bounds.
        var busyFrom = DateTimeOffset.UtcNow;
        var published = await new BusyQueues(js, connections.Names, ns, pools, QueuePollInterval / 2).RunAsync(busy, cancellationToken);
        var busyTo = DateTimeOffset.UtcNow;
        var busyRequests = RequestTally.Of(plane.Server.Requests, OperatorProcess.User, busyFrom, busyTo);
        var statusWrites = busyRequests.Writes.Where(r => r.Resource == "agentpools" && r.Subresource == "status").Count;
        var busyStatusWritesPerMinute = statusWrites / (busyTo - busyFrom).TotalMinutes;
        Console.Error.WriteLine(string.Format(c, "# busy window {0:F0} s: {1} task messages published over {2} pools; requests: {3}",
            (busyTo - busyFrom).TotalSeconds, published, pools, busyRequests.Describe()));
        if (@operator.HasExited)
        {
            throw new InvalidOperationException("the operator exited during the busy window");
        }

        var peak = @operator.PeakMemoryMegabytes();
        @operator.Dispose();

        using var client = plane.Client("bench-baseline");
        var baselineConnections = connections with { NatsRoot = names.BaselineNats.Root };
        var baseline = await new BareClientBaseline(client, js, baselineConnections, new PoolRuntimeOptions(Image, names.Schema, names.BaselineNats), workers)
            .RunAsync(ns, names.BaselineNamespace, cancellationToken);
        var leases = idleRequests.Writes.LeaseRenewals;
        return new ColdStartResult(coldStart, baseline, requests.Count, idleRequests.Writes.ExceptLeases.Count, leases.Count, busyStatusWritesPerMinute, peak);
    }

    private static List<System.Text.Json.Nodes.JsonObject> Events(BenchControlPlane plane, string ns) =>
        plane.Server.Operations.Store.List(plane.Resource("", "v1", "events"), ns).Items;

    private static HashSet<string> EventNames(BenchControlPlane plane, string ns) =>
        [.. Events(plane, ns).Select(e => (string?)e["metadata"]?["name"] ?? "")];

    /// <summary>Events recorded since <paramref name="before"/> was taken, by reason and message: which writes, and why.</summary>
    private static IEnumerable<string> NewEvents(BenchControlPlane plane, string ns, HashSet<string> before) =>
        Events(plane, ns)
            .Where(e => !before.Contains((string?)e["metadata"]?["name"] ?? ""))
            .GroupBy(e => $"{(string?)e["involvedObject"]?["kind"]} {(string?)e["reason"]}: {(string?)e["message"]}")
            .Select(g => $"{g.Key} (×{g.Count()})");

    /// <summary>Awaits <paramref name="milestone"/>, failing early with the progress so far if the operator dies or stalls.</summary>
    private static async Task<long> WhileRunningAsync(OperatorProcess @operator, Task<long> milestone, ColdStartProgress progress, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        while (!milestone.IsCompleted)
        {
            if (@operator.HasExited)
            {
                throw new InvalidOperationException($"the operator exited; {progress.Describe()}");
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"not reconciled after {Timeout.TotalMinutes:0} min; {progress.Describe()}");
            }

            await Task.WhenAny(milestone, Task.Delay(500, cancellationToken));
        }

        return await milestone;
    }
}
