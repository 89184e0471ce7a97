using System.Globalization;
using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>
/// A namespace's workers under a NATS user restricted by <see cref="NatsWorkerPermissions"/>, on a nats-server 2.9 of
/// this test's own: the worker runs its namespace's tasks, and the server refuses that user another namespace's task
/// subjects, consumers and deliveries. What 2.9 cannot separate on one shared stream is asserted as allowed, so the
/// documentation (docs/nats-permissions.md) cannot claim more than the server does.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class NatsNamespacePermissionsTests : IAsyncLifetime
{
    private const string OtherNamespace = "team-b";
    private static readonly string AdminPassword = Guid.NewGuid().ToString("N");
    private static readonly string WorkerPassword = Guid.NewGuid().ToString("N");
    private static readonly string RegionalWorkerPassword = Guid.NewGuid().ToString("N");

    private readonly int _port = ChildProcess.FreeLoopbackPort();
    private readonly PipelineEnvironment _env;
    private NatsServerProcess? _server;

    public NatsNamespacePermissionsTests()
    {
        _env = new PipelineEnvironment { Connections = Services.Connections with { NatsUrl = NatsServerProcess.Url(_port, "admin", AdminPassword) } };
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await Services.RequirePostgresAsync();
        var permissions = NatsWorkerPermissions.For(_env.Names, _env.Namespace, [PipelineEnvironment.Pool]);
        _server = await NatsServerProcess.StartAsync(_port, NatsWorkerPermissions.Authorization(
        [
            $"{{ user: \"admin\", password: {NatsWorkerPermissions.Quote(AdminPassword)} }}",
            permissions.UserEntry("team-a", WorkerPassword),
            NatsWorkerPermissions.For(RegionalNames, _env.Namespace, [PipelineEnvironment.Pool]).UserEntry("team-a-in-region", RegionalWorkerPassword),
        ]));
        await _env.InitializeAsync();
        // What the operator does before a pool's workers start: the config bucket and the pool's consumer.
        await new ConfigNoticeBoard(_env.JetStream, _env.Names.ConfigBucket).StoreAsync(Cancellation);
        var topology = PipelineEnvironment.Topology(_env.JetStream, _env.Names);
        await topology.EnsureConsumerAsync(new PoolConsumerSettings(_env.Namespace, PipelineEnvironment.Pool, TimeSpan.FromSeconds(30), 3, 1, 16), Cancellation);
        await topology.EnsureConsumerAsync(new PoolConsumerSettings(OtherNamespace, PipelineEnvironment.Pool, TimeSpan.FromSeconds(30), 3, 1, 16), Cancellation);
    }

    [Fact]
    public async Task A_worker_under_its_namespace_user_runs_its_namespaces_tasks()
    {
        var worker = _env.StartWorker(
            extra: new Dictionary<string, string> { ["Worker__CreateConsumer"] = "false" },
            connections: _env.Connections with { NatsUrl = NatsServerProcess.Url(_port, "team-a", WorkerPassword) });
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var tasks = Enumerable.Range(0, 5).Select(i => _env.Call("echo", $$"""{"text": "{{i.ToString(CultureInfo.InvariantCulture)}}"}""")).ToList();
        foreach (var task in tasks)
        {
            await _env.Publisher.PublishAsync(task, cancellationToken: Cancellation);
        }

        foreach (var task in tasks)
        {
            var record = await _env.WaitForFinalAsync(task.Id, TimeSpan.FromSeconds(60));
            Assert.True(record.Status == TaskStates.Succeeded, $"{record.Status} {record.Error}; nats-server: {Violations()}");
        }
        var violations = Violations();
        Assert.True(violations.Length == 0, violations);
    }

    [Fact]
    public async Task The_namespace_user_is_refused_another_namespaces_tasks_consumers_and_deliveries()
    {
        await using var teamA = new NatsConnection(new NatsOpts { Url = NatsServerProcess.Url(_port, "team-a", WorkerPassword), Name = "team-a" });
        await teamA.ConnectAsync();
        var otherTasks = $"{_env.Names.TaskPrefix}.{OtherNamespace}.{PipelineEnvironment.Pool}.agent";
        var otherNext = $"$JS.API.CONSUMER.MSG.NEXT.{_env.Stream}.{_env.Names.PoolConsumer(OtherNamespace, PipelineEnvironment.Pool)}";

        // Publishing a task into another namespace, pulling its consumer, listening to its subjects or to every inbox.
        await teamA.PublishAsync(otherTasks, "forged task", cancellationToken: Cancellation);
        await teamA.PublishAsync(otherNext, "{\"batch\":1}", cancellationToken: Cancellation);
        await using var tasksSubscription = await teamA.SubscribeCoreAsync<string>($"{_env.Names.TaskPrefix}.{OtherNamespace}.>", cancellationToken: Cancellation);
        await using var inboxSubscription = await teamA.SubscribeCoreAsync<string>("_INBOX.>", cancellationToken: Cancellation);
        // What one shared stream cannot separate on 2.9: result notices name only the task id.
        await teamA.PublishAsync($"{_env.Names.ResultsPrefix}.{Guid.NewGuid()}", "", cancellationToken: Cancellation);
        await teamA.PingAsync(Cancellation);

        await PipelineEnvironment.WaitUntilAsync(
            () => Task.FromResult(Violations().Contains($"Subscription to \"_INBOX.>\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => $"no refusal in the nats-server log: {Violations()}");
        var refused = Violations();
        Assert.Contains($"Publish to \"{otherTasks}\"", refused, StringComparison.Ordinal);
        Assert.Contains($"Publish to \"{otherNext}\"", refused, StringComparison.Ordinal);
        Assert.Contains($"Subscription to \"{_env.Names.TaskPrefix}.{OtherNamespace}.>\"", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(_env.Names.ResultsPrefix, refused, StringComparison.Ordinal);
        var stream = await _env.JetStream.GetStreamAsync(_env.Stream, cancellationToken: Cancellation);
        Assert.Equal(0L, stream.Info.State.Messages);
    }

    [Fact]
    public async Task The_namespace_user_relays_a_streamed_answer_and_answers_for_the_text_so_far()
    {
        await using var teamA = new NatsConnection(new NatsOpts
        {
            Url = NatsServerProcess.Url(_port, "team-a", WorkerPassword),
            Name = "team-a",
            InboxPrefix = NatsWorkerPermissions.WorkerInboxPrefix(_env.Names, _env.Namespace),
        });
        await teamA.ConnectAsync();
        var task = Guid.NewGuid();
        // A gateway (unrestricted) listens and asks; the worker's user publishes deltas and answers.
        await using var deltas = await _env.Nats.SubscribeCoreAsync<byte[]>(_env.Names.AnswerStream(task), cancellationToken: Cancellation);
        await using var soFar = await teamA.SubscribeCoreAsync<byte[]>(_env.Names.AnswerSoFar(task), cancellationToken: Cancellation);
        await teamA.PingAsync(Cancellation);
        await _env.Nats.PingAsync(Cancellation);

        await teamA.PublishAsync(_env.Names.AnswerStream(task), new AnswerDelta(1, 0, "Hello").ToJson(), cancellationToken: Cancellation);
        var asked = _env.Nats.RequestAsync<byte[], byte[]>(_env.Names.AnswerSoFar(task), [], cancellationToken: Cancellation).AsTask();
        var request = await soFar.Msgs.ReadAsync(Cancellation);
        await request.ReplyAsync(new AnswerSoFar(1, 5, "Hello").ToJson(), cancellationToken: Cancellation);

        Assert.Equal("Hello", AnswerDelta.Read((await deltas.Msgs.ReadAsync(Cancellation)).Data)?.Text);
        Assert.Equal("Hello", AnswerSoFar.Read((await asked).Data)?.Text);
        Assert.DoesNotContain(_env.Names.AnswerStreamPrefix, Violations(), StringComparison.Ordinal);
        Assert.DoesNotContain("_INBOX", Violations(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_regional_worker_user_appends_a_result_for_its_origin_to_its_regions_homeward_stream()
    {
        var homeward = new RegionStreams(_env.JetStream, RegionalNames, [], 1, NullLogger<RegionStreams>.Instance).HomewardConfig();
        await _env.JetStream.CreateStreamAsync(homeward, Cancellation);
        try
        {
            await using var worker = new NatsConnection(new NatsOpts
            {
                Url = NatsServerProcess.Url(_port, "team-a-in-region", RegionalWorkerPassword),
                Name = "team-a-in-region",
                InboxPrefix = NatsWorkerPermissions.WorkerInboxPrefix(RegionalNames, _env.Namespace),
            });
            var result = new TaskHomecoming { Id = TaskIds.NewId(), Status = TaskStates.Succeeded, Attempts = 1, Region = "a" };

            // What HomewardSender does: a JetStream publish whose PubAck comes back to the worker's inbox.
            var ack = await new NatsJSContext(worker).PublishAsync(RegionalNames.Homeward("a", "b", result.Id),
                JsonSerializer.SerializeToUtf8Bytes(result, RegionJsonContext.Default.TaskHomecoming),
                opts: new NatsJSPubOpts { MsgId = result.MessageId }, cancellationToken: Cancellation);

            Assert.Null(ack.Error);
            Assert.Equal(RegionalNames.HomewardStream("a"), ack.Stream);
            Assert.DoesNotContain("homeward", Violations(), StringComparison.Ordinal);
        }
        finally
        {
            await _env.JetStream.DeleteStreamAsync(RegionalNames.HomewardStream("a"), CancellationToken.None);
        }
    }

    // The test namespace's names in region "a" of a federation (the worker's METAEVOLVE_REGION).
    private NatsNames RegionalNames => new(_env.Names.Root, "a");

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private string Violations() => string.Join("\n", _server!.Log().Split('\n').Where(l => l.Contains("Permissions Violation", StringComparison.Ordinal)));
}
