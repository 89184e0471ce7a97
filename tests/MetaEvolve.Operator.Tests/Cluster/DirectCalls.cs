using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Npgsql;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// What the evolution tests do as a user would, against an <see cref="OperatorCluster"/> with workers: direct skill calls
/// through the task pipeline, the built <c>metaevolve</c> command with the test kubectl's kubeconfig, and the skill
/// digests each worker announces it applied (to check that every worker serves a version).
/// </summary>
internal sealed class DirectCalls : IAsyncDisposable
{
    private readonly OperatorCluster _cluster;
    private readonly NpgsqlDataSource _store;
    private readonly NatsConnection _nats;
    private readonly TaskRepository _tasks;
    private readonly TaskPublisher _publisher;
    private readonly ConcurrentDictionary<string, ConfigApplied> _applied = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _listening = Task.CompletedTask;

    private DirectCalls(OperatorCluster cluster)
    {
        _cluster = cluster;
        _store = NpgsqlDataSource.Create(cluster.Connections.Postgres);
        _tasks = new TaskRepository(_store, cluster.Schema);
        _nats = NatsConnectionFactory.Create(cluster.Connections, "operator tests");
        _publisher = new TaskPublisher(new NatsJSContext(_nats), cluster.Names);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts listening to the workers of <paramref name="agent"/> announcing what they applied (before they start).</summary>
    public static async Task<DirectCalls> StartAsync(OperatorCluster cluster, string agent)
    {
        var calls = new DirectCalls(cluster);
        var subscription = await calls._nats.SubscribeCoreAsync<byte[]>(cluster.Names.ConfigApplied(cluster.Namespace, agent), cancellationToken: Ct);
        await calls._nats.PingAsync(Ct);
        calls._listening = Task.Run(async () =>
        {
            await using (subscription)
            {
                await foreach (var message in subscription.Msgs.ReadAllAsync(calls._stop.Token))
                {
                    var notice = JsonSerializer.Deserialize<ConfigApplied>(message.Data, JsonSerializerOptions.Web)!;
                    calls._applied[notice.Worker] = notice;
                }
            }
        });
        return calls;
    }

    /// <summary>The skill digest each worker applied last, by worker.</summary>
    public IReadOnlyDictionary<string, string?> AppliedDigests(string skill) =>
        _applied.ToDictionary(pair => pair.Key, pair => pair.Value.Skills.GetValueOrDefault(skill));

    /// <summary>Waits (up to 30 s) until <paramref name="workers"/> workers announced they applied <paramref name="digest"/> of the skill.</summary>
    public async Task EveryWorkerServesAsync(string skill, string digest, int workers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (AppliedDigests(skill).Count(pair => pair.Value == digest) < workers)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{workers} workers do not serve {skill} {digest} after 30 s; they applied: "
                + string.Join(", ", _applied.Values.Select(n => $"{n.Worker}: {string.Join(" ", n.Skills.Select(s => $"{s.Key}={s.Value}"))}")));
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>Runs a direct call on the agent and waits for its recorded end.</summary>
    public async Task<TaskRecord> RunAsync(string pool, string agent, string skill, string function, JsonObject arguments)
    {
        var envelope = new TaskEnvelope
        {
            Id = TaskIds.NewId(),
            Namespace = _cluster.Namespace,
            Pool = pool,
            Agent = agent,
            Input = TaskInput.Direct(skill, function, JsonSerializer.SerializeToElement(arguments)),
        };
        await _tasks.EnqueueAsync(envelope, Ct);
        await _publisher.PublishAsync(envelope, cancellationToken: Ct);
        TaskRecord? record = null;
        await OperatorCluster.EventuallyAsync(async () => (record = await _tasks.GetAsync(envelope.Id, Ct)) is { } r && TaskStates.IsFinal(r.Status),
            $"task {skill}.{function} ends", seconds: 60);
        return record!;
    }

    /// <summary>The result a succeeded call returned.</summary>
    public static string Result(TaskRecord record)
    {
        Assert.True(record.Status == TaskStates.Succeeded, $"{record.Status}: {record.Error}");
        return (string)JsonNode.Parse(record.OutputJson!)!["result"]!;
    }

    /// <summary>The built <c>metaevolve</c> command, as a user runs it, with the test kubectl's kubeconfig.</summary>
    public async Task<(int ExitCode, string Output)> MetaEvolveAsync(params string[] args)
    {
        var dll = Path.Combine(RepositoryRoot.Path, "cli", "MetaEvolve.Cli", "bin", "Debug", "net10.0", "metaevolve.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[dll, .. args, "--kubeconfig", _cluster.Kubectl.KubeconfigPath, "-n", _cluster.Namespace])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await error);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _listening.ContinueWith(_ => { }, TaskScheduler.Default);
        await _nats.DisposeAsync();
        await _store.DisposeAsync();
        _stop.Dispose();
    }
}
