using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Store;
using MetaEvolve.DevCluster;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.DevCluster.Manifests;
using MetaEvolve.DevCluster.Semantics;
using NATS.Client.JetStream;
using Npgsql;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// <c>chaos.operator_failover</c>: two operator processes (the Release build) with leader election against the dev
/// control plane (in this process, with its garbage collector); before each kill the run creates, deletes and
/// re-creates pools so the leader is mid-reconcile, then SIGKILLs it (no release of the lease) and times until the other
/// holds the lease; a fresh standby replaces the killed one. At the end, once the survivors have settled:
/// <c>lost</c> = pools missing a child (Deployment, HPA) or a namespace with pools missing its connection Secret,
/// <c>orphaned</c> = managed children owned by
/// no existing pool (a stale reconcile of a deleted or re-created pool), <c>duplicated</c> = more than one managed
/// child of a kind for one pool.
/// </summary>
internal static class OperatorFailoverScenario
{
    private const string LeaseName = "metaevolve-operator";
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(4);

    public static string OperatorDll { get; set; } = RepositoryRoot.Combine("operator", "MetaEvolve.Operator.Host", "bin", "Release", "net10.0", "MetaEvolve.Operator.Host.dll");

    public static async Task<FailoverResult> RunAsync(ChaosServices services, CancellationToken cancellationToken)
    {
        var failovers = BenchArguments.Int("--failovers", 5);
        var seeded = BenchArguments.Int("--failover-pools", 30);
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var ns = $"chaos-op-{suffix}";
        var connections = services.Connections with { NatsRoot = $"chaos-op-{suffix}" };
        var store = new StoreOptions { Schema = $"chaos_op_{suffix}" };
        var directory = Directory.CreateTempSubdirectory("chaos-operator-").FullName;
        var server = new DevApiServer(new DevClusterOptions());
        await server.StartAsync(cancellationToken);
        var operators = new Dictionary<string, ChildProcess>();
        try
        {
            var plane = new Plane(server, ns);
            plane.Apply(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
            var pools = new HashSet<string>();
            for (var i = 0; i < seeded; i++)
            {
                plane.CreatePool($"p{i:D3}");
                pools.Add($"p{i:D3}");
            }
            var kubeconfig = Path.Combine(directory, "operator.kubeconfig");
            Kubeconfig.Write(kubeconfig, server.KubeconfigFor("chaos-operator"));
            var started = 0;
            ChildProcess Start()
            {
                var identity = $"op-{started++}";
                var child = BenchChildren.StartService(identity, OperatorDll, connections, new Dictionary<string, string>
                {
                    ["KUBECONFIG"] = kubeconfig,
                    ["Operator__Namespace"] = ns,
                    ["Operator__Identity"] = identity,
                    ["Operator__LeaseDuration"] = "00:00:04",
                    ["Operator__RenewDeadline"] = "00:00:03",
                    ["Operator__RetryPeriod"] = "00:00:00.500",
                    ["Operator__StoreSchema"] = store.Schema,
                    ["Operator__DefaultImage"] = "ghcr.io/metaevolve/agent-runtime:chaos",
                    // Not what this scenario is about, and two operators on one machine cannot share its port.
                    ["Operator__ExternalMetrics__Enabled"] = "false",
                });
                operators[identity] = child;
                return child;
            }
            Start();
            Start();
            var leader = await plane.WaitLeaderAsync(except: null, TimeSpan.FromSeconds(90), cancellationToken)
                ?? throw new TimeoutException("no operator took the lease within 90 s");
            await plane.WaitSettledAsync(pools, TimeSpan.FromSeconds(120), cancellationToken);

            var times = new List<double>();
            for (var f = 0; f < failovers; f++)
            {
                // Work in flight when the leader dies: new pools, deleted pools, and a pool deleted and created again
                // under the same name (its old children must not survive under the new owner).
                for (var n = 0; n < 5; n++)
                {
                    plane.CreatePool($"f{f}n{n}");
                    pools.Add($"f{f}n{n}");
                }
                foreach (var gone in pools.Where(p => p.StartsWith('p')).Order(StringComparer.Ordinal).Skip(f * 3).Take(2).ToList())
                {
                    plane.DeletePool(gone);
                    pools.Remove(gone);
                }
                var again = pools.Where(p => p.StartsWith('p')).Order(StringComparer.Ordinal).Reverse().Skip(f).First();
                plane.DeletePool(again);
                // As `kubectl delete` does: wait until it is gone (the leader runs its finalizer), then create it again.
                await plane.WaitGoneAsync(again, TimeSpan.FromSeconds(30), cancellationToken);
                plane.CreatePool(again);
                await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken);

                var killedAt = Stopwatch.GetTimestamp();
                operators[leader].Kill();
                operators.Remove(leader);
                var next = await plane.WaitLeaderAsync(except: leader, TimeSpan.FromSeconds(60), cancellationToken)
                    ?? throw new TimeoutException($"no new leader within 60 s of killing {leader}");
                times.Add(Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"operator_failover: {leader} killed, {next} leads after {times[^1]:F0} ms"));
                leader = next;
                Start();
                // Let the new leader sync and start on the backlog before the next kill.
                await Task.Delay(LeaseDuration, cancellationToken);
            }

            var settled = await plane.WaitSettledAsync(pools, TimeSpan.FromSeconds(120), cancellationToken);
            times.Sort();
            var p50 = times.Count == 0 ? double.NaN : times[(times.Count - 1) / 2];
            return new FailoverResult(times.Count, p50, settled.Orphaned, settled.Lost, settled.Duplicated);
        }
        finally
        {
            foreach (var child in operators.Values)
            {
                child.Dispose();
            }
            await server.DisposeAsync();
            Directory.Delete(directory, recursive: true);
            await CleanUpAsync(connections, store);
        }
    }

    private static async Task CleanUpAsync(Core.ConnectionOptions connections, StoreOptions store)
    {
        try
        {
            await using var nats = Core.NatsConnectionFactory.Create(connections, "chaos-cleanup");
            var js = new NatsJSContext(nats);
            await foreach (var name in js.ListStreamNamesAsync())
            {
                if (name.StartsWith(connections.Names.TaskStream, StringComparison.Ordinal))
                {
                    await js.DeleteStreamAsync(name);
                }
            }
            await using var dataSource = StoreDataSource.Create(connections, store);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {store.Schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NatsJSException or NpgsqlException or NATS.Client.Core.NatsException)
        {
            Console.Error.WriteLine($"operator_failover: clean-up incomplete ({ex.Message})");
        }
    }

    /// <summary>The control plane as the scenario uses it: objects written and read in process, the lease read from its store.</summary>
    private sealed class Plane
    {
        private readonly DevApiServer _server;
        private readonly string _ns;
        private readonly ManifestApplier _applier;

        public Plane(DevApiServer server, string ns)
        {
            _server = server;
            _ns = ns;
            _applier = new ManifestApplier(server.Operations);
            foreach (var manifest in ManifestReader.ReadDirectory(RepositoryRoot.Combine("crds")))
            {
                Apply(manifest);
            }
        }

        public void Apply(JsonObject manifest)
        {
            var outcome = _applier.Apply(manifest, _ns);
            if (!outcome.Succeeded)
            {
                throw new InvalidOperationException($"{outcome.Resource} {outcome.Name}: {outcome.Result}");
            }
        }

        /// <summary>A pool with the defaults (mode Hpa) and one agent on it.</summary>
        public void CreatePool(string name)
        {
            Apply(new JsonObject
            {
                ["apiVersion"] = "metaevolve.io/v1alpha1",
                ["kind"] = "AgentPool",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = _ns },
                ["spec"] = new JsonObject(),
            });
            Apply(new JsonObject
            {
                ["apiVersion"] = "metaevolve.io/v1alpha1",
                ["kind"] = "Agent",
                ["metadata"] = new JsonObject { ["name"] = name + "-agent", ["namespace"] = _ns },
                ["spec"] = new JsonObject { ["poolRef"] = new JsonObject { ["name"] = name }, ["description"] = "system calls only" },
            });
        }

        public void DeletePool(string name)
        {
            Delete(Type("metaevolve.io", "v1alpha1", "agents"), name + "-agent");
            Delete(Type("metaevolve.io", "v1alpha1", "agentpools"), name);
        }

        private void Delete(ResourceType type, string name)
        {
            try
            {
                _server.Operations.Delete(type, _ns, name, new DeleteOptions());
            }
            catch (DevCluster.Http.ApiException ex) when (ex.Message.Contains("not found", StringComparison.Ordinal))
            {
                // Already gone (an earlier round's deletion finished by the operator's finalizer).
            }
        }

        /// <summary>Waits (bounded) until the pool named <paramref name="name"/> and its agent are no longer stored.</summary>
        public async Task WaitGoneAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < until
                && (List("metaevolve.io", "v1alpha1", "agentpools").Any(p => (string?)p["metadata"]?["name"] == name)
                    || List("metaevolve.io", "v1alpha1", "agents").Any(a => (string?)a["metadata"]?["name"] == name + "-agent")))
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        /// <summary>The lease holder once it is someone other than <paramref name="except"/>; null after <paramref name="timeout"/>.</summary>
        public async Task<string?> WaitLeaderAsync(string? except, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < until)
            {
                var lease = List("coordination.k8s.io", "v1", "leases").FirstOrDefault(l => (string?)l["metadata"]?["name"] == LeaseName);
                var holder = (string?)lease?["spec"]?["holderIdentity"];
                if (!string.IsNullOrEmpty(holder) && holder != except)
                {
                    return holder;
                }
                await Task.Delay(25, cancellationToken);
            }
            return null;
        }

        /// <summary>Polls until every pool in <paramref name="pools"/> has its children and no orphan is left, or the time is up; the last count either way.</summary>
        public async Task<Settled> WaitSettledAsync(IReadOnlySet<string> pools, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (true)
            {
                var count = Count(pools);
                if (count is { Lost: 0, Orphaned: 0, Duplicated: 0 } || Stopwatch.GetTimestamp() > until)
                {
                    if (count.Lost + count.Orphaned + count.Duplicated > 0)
                    {
                        Console.Error.WriteLine($"operator_failover: not settled: {string.Join("; ", count.Details.Take(8))}");
                    }
                    return count;
                }
                await Task.Delay(500, cancellationToken);
            }
        }

        private Settled Count(IReadOnlySet<string> pools)
        {
            var live = List("metaevolve.io", "v1alpha1", "agentpools")
                .Where(p => p["metadata"]?["deletionTimestamp"] is null)
                .ToDictionary(p => (string)p["metadata"]!["name"]!, p => (string)p["metadata"]!["uid"]!);
            var details = new List<string>();
            var lost = 0;
            var orphaned = 0;
            var duplicated = 0;
            foreach (var (group, version, plural, suffix) in new[]
            {
                ("apps", "v1", "deployments", "-workers"),
                ("autoscaling", "v2", "horizontalpodautoscalers", "-workers"),
            })
            {
                var managed = List(group, version, plural)
                    .Where(o => (string?)o["metadata"]?["labels"]?["app.kubernetes.io/managed-by"] == "metaevolve-operator")
                    .ToList();
                foreach (var child in managed)
                {
                    var owner = (string?)child["metadata"]?["ownerReferences"]?[0]?["uid"];
                    if (owner is null || !live.ContainsValue(owner))
                    {
                        orphaned++;
                        details.Add($"orphaned {plural} {(string?)child["metadata"]!["name"]}");
                    }
                }
                foreach (var pool in pools)
                {
                    if (!live.ContainsKey(pool))
                    {
                        details.Add($"pool {pool} itself is missing");
                    }
                    var mine = managed.Where(o => (string?)o["metadata"]?["labels"]?["metaevolve.io/pool"] == pool).ToList();
                    if (!mine.Any(o => (string?)o["metadata"]!["name"] == pool + suffix && live.TryGetValue(pool, out var uid) && (string?)o["metadata"]?["ownerReferences"]?[0]?["uid"] == uid))
                    {
                        lost++;
                        details.Add($"pool {pool} has no {plural}");
                    }
                    if (mine.Count > 1)
                    {
                        duplicated += mine.Count - 1;
                        details.Add($"pool {pool} has {mine.Count} {plural}");
                    }
                }
            }
            // One connection Secret per namespace, owned by no pool.
            if (live.Count > 0 && !List("", "v1", "secrets").Any(o => (string?)o["metadata"]?["name"] == "metaevolve-connection"))
            {
                lost++;
                details.Add("the namespace has no Secret metaevolve-connection");
            }

            return new Settled(lost, orphaned, duplicated, details);
        }

        private List<JsonObject> List(string group, string version, string plural) =>
            _server.Operations.Store.List(Type(group, version, plural).GroupResource, _ns).Items;

        private ResourceType Type(string group, string version, string plural) =>
            _server.Registry.Find(group, version, plural) ?? throw new InvalidOperationException($"{plural}.{group} is not served");
    }

    private sealed record Settled(int Lost, int Orphaned, int Duplicated, List<string> Details);
}

/// <summary>The failover line: <c>lost</c>, <c>orphaned</c> and <c>duplicated</c> must be 0.</summary>
internal sealed record FailoverResult(int Failovers, double NewLeaderP50Ms, int Orphaned, int Lost, int Duplicated)
{
    public bool Clean => Orphaned == 0 && Lost == 0 && Duplicated == 0;

    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"chaos.operator_failover: failovers {Failovers}, new leader p50 {NewLeaderP50Ms:F0} ms, orphaned {Orphaned}, lost {Lost}, duplicated {Duplicated}");
}
