using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// agents.reload.latency: from publishing a new skill version to the store (as the operator does: version row
/// with its compiled assembly, latest pointer, then the digest on the config bucket) until every worker serving
/// an agent that follows the skill has swapped it in (their <see cref="ConfigApplied"/> announcements).
/// </summary>
internal sealed class ReloadBenchmark(
    NatsConnection nats,
    NatsJSContext js,
    NpgsqlDataSource dataSource,
    TaskPublisher publisher,
    string ns,
    string pool,
    NatsNames names) : IDisposable
{
    public const string Agent = "reloader";
    private const string Skill = "probe-skill";
    private readonly ConcurrentQueue<(string Worker, string Digest, long At)> _applied = new();
    private readonly CSharpSkillCompiler _compiler = new();

    private readonly CancellationTokenSource _stop = new();
    private Task _listener = Task.CompletedTask;

    /// <summary>
    /// Creates the agent and its first skill version and starts listening to the workers' announcements; call
    /// before any worker starts, since workers load their pool's agents (and announce it) at start.
    /// </summary>
    public async Task SetUpAsync(CancellationToken cancellationToken)
    {
        var listening = new TaskCompletionSource();
        _listener = Task.Run(async () =>
        {
            await using var subscription = await nats.SubscribeCoreAsync<byte[]>(names.ConfigApplied(ns, Agent), cancellationToken: _stop.Token);
            await nats.PingAsync(_stop.Token);
            listening.SetResult();
            await foreach (var message in subscription.Msgs.ReadAllAsync(_stop.Token))
            {
                var notice = JsonNode.Parse(message.Data)!;
                _applied.Enqueue(((string)notice["worker"]!, (string?)notice["skills"]?[Skill] ?? "", Stopwatch.GetTimestamp()));
            }
        }, _stop.Token);
        await listening.Task.WaitAsync(cancellationToken);
        await PublishAsync(0, cancellationToken);
        var spec = new JsonObject { ["poolRef"] = new JsonObject { ["name"] = pool }, ["skills"] = new JsonArray(new JsonObject { ["name"] = Skill }) };
        await new AgentRepository(dataSource).UpsertAsync(ns, Agent, pool, SkillDigest.Compute(spec), spec.ToJsonString(), "[]", cancellationToken);
    }

    /// <returns>Latencies in milliseconds, one per round.</returns>
    public async Task<List<double>> RunAsync(int workers, int rounds, CancellationToken cancellationToken)
    {
        // Workers load the agent at start; one that could not yet loads it on its first task for it.
        var warm = Stopwatch.StartNew();
        while (_applied.Select(a => a.Worker).Distinct().Count() < workers)
        {
            for (var i = 0; i < 30; i++)
            {
                await publisher.PublishAsync(new TaskEnvelope
                {
                    Id = TaskIds.NewId(),
                    Namespace = ns,
                    Pool = pool,
                    Agent = Agent,
                    Input = TaskInput.Direct(Skill, "Version", JsonDocument.Parse("{}").RootElement.Clone()),
                }, cancellationToken: cancellationToken);
            }

            await Task.Delay(200, cancellationToken);
            if (warm.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"only {_applied.Select(a => a.Worker).Distinct().Count()} of {workers} workers loaded agent {Agent}");
            }
        }

        var latencies = new List<double>(rounds);
        for (var round = 1; round <= rounds; round++)
        {
            var (digest, started) = await PublishAsync(round, cancellationToken);
            var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
            while (true)
            {
                var reached = _applied.Where(a => a.Digest == digest).GroupBy(a => a.Worker).Select(g => g.Min(a => a.At)).ToList();
                if (reached.Count >= workers)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started, reached.Max()).TotalMilliseconds);
                    break;
                }

                if (Stopwatch.GetTimestamp() > until)
                {
                    throw new TimeoutException($"round {round}: {reached.Count} of {workers} workers applied {digest}");
                }

                await Task.Delay(1, cancellationToken);
            }
        }

        await _stop.CancelAsync();
        try
        {
            await _listener;
        }
        catch (OperationCanceledException)
        {
        }

        return latencies;
    }

    /// <summary>Compiles the round's version (the operator compiles before publishing), then times store + notice.</summary>
    private async Task<(string Digest, long Started)> PublishAsync(int round, CancellationToken cancellationToken)
    {
        var source = string.Create(CultureInfo.InvariantCulture, $$"""
            using Microsoft.SemanticKernel;

            public sealed class Probe
            {
                [KernelFunction]
                public string Version() => "r{{round}}";
            }
            """);
        var version = string.Create(CultureInfo.InvariantCulture, $"1.0.{round}");
        var spec = new JsonObject { ["type"] = "CSharp", ["version"] = version, ["csharp"] = new JsonObject { ["source"] = source } };
        var digest = SkillDigest.Compute(spec);
        var compilation = _compiler.Compile(source, "skill_" + new string(digest.Where(char.IsAsciiLetterOrDigit).Take(24).ToArray()), cancellationToken);
        if (!compilation.Succeeded)
        {
            throw new InvalidOperationException("probe skill does not compile: " + string.Join("; ", compilation.Diagnostics));
        }

        var started = Stopwatch.GetTimestamp();
        await new SkillVersionRepository(dataSource).PublishAsync(ns, Skill, version, digest, "CSharp", spec.ToJsonString(), "[]", compilation.Assembly, cancellationToken);
        await new ConfigNoticeBoard(js, names.ConfigBucket).AnnounceAsync(ConfigNotices.SkillKey(ns, Skill), digest, cancellationToken);
        return (digest, started);
    }

    public void Dispose() => _stop.Dispose();
}
