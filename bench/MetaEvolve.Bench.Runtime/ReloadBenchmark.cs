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
    NatsNames names) : IAsyncDisposable
{
    public const string Agent = "reloader";
    private const string Skill = "probe-skill";
    private readonly CSharpSkillCompiler _compiler = new();
    private AppliedSkillDigests? _applied;

    /// <summary>
    /// Creates the agent and its first skill version and starts listening to the workers' announcements; call
    /// before any worker starts, since workers load their pool's agents (and announce it) at start.
    /// </summary>
    public async Task SetUpAsync(CancellationToken cancellationToken)
    {
        _applied = await AppliedSkillDigests.ListenAsync(nats, names.ConfigApplied(ns, Agent), Skill, cancellationToken);
        await PublishAsync(0, cancellationToken);
        var spec = new JsonObject { ["poolRef"] = new JsonObject { ["name"] = pool }, ["skills"] = new JsonArray(new JsonObject { ["name"] = Skill }) };
        await new AgentRepository(dataSource).UpsertAsync(ns, Agent, pool, SkillDigest.Compute(spec), spec.ToJsonString(), "[]", cancellationToken);
    }

    /// <returns>Latencies in milliseconds, one per round.</returns>
    public async Task<List<double>> RunAsync(int workers, int rounds, CancellationToken cancellationToken)
    {
        // Workers load the agent at start; one that could not yet loads it on its first task for it.
        var applied = _applied ?? throw new InvalidOperationException("SetUpAsync first");
        var warm = Stopwatch.StartNew();
        while (applied.Workers < workers)
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
                throw new TimeoutException($"only {applied.Workers} of {workers} workers loaded agent {Agent}");
            }
        }

        var latencies = new List<double>(rounds);
        for (var round = 1; round <= rounds; round++)
        {
            var (digest, started) = await PublishAsync(round, cancellationToken);
            var served = await applied.WhenServedAsync(digest, workers, started, TimeSpan.FromSeconds(30), cancellationToken);
            latencies.Add(Stopwatch.GetElapsedTime(started, served).TotalMilliseconds);
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

    public async ValueTask DisposeAsync()
    {
        if (_applied is not null)
        {
            await _applied.DisposeAsync();
        }
    }
}
