using System.Net;
using System.Text.Json;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using NATS.Client.JetStream;

namespace MetaEvolve.Gateway.Tests;

/// <summary>
/// Region a's gateway with region b as its peer (<see cref="RegionsEnvironment"/>): where new tasks go as a's pool
/// health changes, what happens when b does not answer, how results come home, and what a's readiness tells a global
/// load balancer. The region health is announced by the fixture, standing in for both regions' operators.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class RegionTests(RegionsEnvironment env) : IClassFixture<RegionsEnvironment>
{
    [Fact]
    public async Task A_task_for_a_pool_failed_over_in_a_runs_in_b_and_its_result_is_read_through_as_gateway()
    {
        await env.AnnounceAsync(env.LocalPoolDown(), env.PeerPool());
        using var client = env.Gateway.Client(env.Key);
        var queuedInA = await env.A.QueuedMessagesAsync();

        var id = await env.SubmitAsync(client, "ran in b");
        var task = await RegionsEnvironment.WaitAsync(client, id);

        Assert.Equal("succeeded", task.GetProperty("status").GetString());
        Assert.Equal("ran in b", task.GetProperty("output").GetProperty("text").GetString());
        Assert.Equal(("a", "b"), (task.GetProperty("submittedRegion").GetString(), task.GetProperty("region").GetString()));
        Assert.Equal(queuedInA, await env.A.QueuedMessagesAsync());
        var inA = (await env.A.Tasks.GetAsync(id, TestContext.Current.CancellationToken))!;
        var inB = (await env.B.Tasks.GetAsync(id, TestContext.Current.CancellationToken))!;
        Assert.Equal((TaskStates.Succeeded, "a", "b"), (inA.Status, inA.SubmittedRegion, inA.Region));
        Assert.Equal((TaskStates.Succeeded, "a", "b", 1), (inB.Status, inB.SubmittedRegion, inB.Region, inB.Attempts));
    }

    [Fact]
    public async Task Lag_past_the_spill_over_lag_sends_new_tasks_to_b_and_leaves_those_queued_in_a()
    {
        await env.AnnounceAsync(env.LocalPool(lag: 0), env.PeerPool());
        using var client = env.Gateway.Client(env.Key);
        var queuedInA = await env.A.QueuedMessagesAsync();
        var stayed = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            stayed.Add(await env.SubmitAsync(client, $"queued in a {i}"));
        }

        await env.AnnounceAsync(env.LocalPool(lag: 3), env.PeerPool());
        var spilled = await env.SubmitAsync(client, "spilled to b");
        var task = await RegionsEnvironment.WaitAsync(client, spilled);

        Assert.Equal(("succeeded", "b"), (task.GetProperty("status").GetString(), task.GetProperty("region").GetString()));
        Assert.Equal(queuedInA + 3, await env.A.QueuedMessagesAsync());
        foreach (var id in stayed)
        {
            var row = (await env.A.Tasks.GetAsync(id, TestContext.Current.CancellationToken))!;
            Assert.Equal((TaskStates.Queued, "a", "a"), (row.Status, row.SubmittedRegion, row.Region));
            Assert.Null(await env.B.Tasks.GetAsync(id, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task A_task_bound_for_b_that_its_submitter_did_not_publish_is_relayed_to_b()
    {
        await env.AnnounceAsync(env.LocalPoolDown(), env.PeerPool());
        using var client = env.Gateway.Client(env.Key);
        var queuedInA = await env.A.QueuedMessagesAsync();
        // As a gateway leaves it when it dies after writing the row and before publishing: its outbox entry due now.
        var task = new TaskEnvelope
        {
            Id = TaskIds.NewId(),
            Namespace = env.Namespace,
            Pool = RegionsEnvironment.Pool,
            Agent = RegionsEnvironment.Agent,
            Input = TaskInput.Direct("system", "echo", JsonDocument.Parse("""{"text": "relayed to b"}""").RootElement.Clone()),
            Origin = "a",
            Region = "b",
            SubmittedBy = "tests",
        };
        await new TaskRepository(env.A.DataSource, env.A.Schema, relayAfter: TimeSpan.Zero).EnqueueManyAsync([task], TestContext.Current.CancellationToken);

        var relayed = await RegionsEnvironment.WaitAsync(client, task.Id);

        Assert.Equal(("succeeded", "b"), (relayed.GetProperty("status").GetString(), relayed.GetProperty("region").GetString()));
        Assert.Equal("relayed to b", relayed.GetProperty("output").GetProperty("text").GetString());
        Assert.Equal(queuedInA, await env.A.QueuedMessagesAsync());
        Assert.Equal(TaskStates.Succeeded, (await env.B.Tasks.GetAsync(task.Id, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task With_the_link_cut_no_peer_acks_and_the_task_is_queued_in_a()
    {
        await env.AnnounceAsync(env.LocalPoolDown(), env.PeerPool());
        using var client = env.Gateway.Client(env.Key);
        var queuedInA = await env.A.QueuedMessagesAsync();
        env.Regions.Link("b").Cut();
        try
        {
            // b's last announcement (fresh for three of its 60 s intervals) still says it takes work: a tries it first.
            var id = await env.SubmitAsync(client, "stays in a");

            var row = (await env.A.Tasks.GetAsync(id, TestContext.Current.CancellationToken))!;
            Assert.True((TaskStates.Queued, "a", "a") == (row.Status, row.SubmittedRegion, row.Region), $"{row.Status} {row.SubmittedRegion} {row.Region}\n{env.Diagnostics()}");
            Assert.Equal(queuedInA + 1, await env.A.QueuedMessagesAsync());
            Assert.Null(await env.B.Tasks.GetAsync(id, TestContext.Current.CancellationToken));
        }
        finally
        {
            env.Regions.Link("b").Restore();
            await env.Regions.WaitForLeavesAsync();
        }
    }

    [Fact]
    public async Task A_result_recorded_in_b_while_the_link_is_down_reaches_a_after_it_returns()
    {
        await env.AnnounceAsync(env.LocalPoolDown(), env.PeerPool());
        using var client = env.Gateway.Client(env.Key);
        var id = await env.SubmitAsync(client, "", sleepMs: 1_500);
        env.Regions.Link("b").Cut();
        try
        {
            await env.EventuallyAsync(async () => (await env.B.Tasks.GetAsync(id))?.Status == TaskStates.Succeeded, "b's worker recorded the task");
            var meanwhile = (await env.A.Tasks.GetAsync(id, TestContext.Current.CancellationToken))!;
            Assert.True((TaskStates.Queued, "b") == (meanwhile.Status, meanwhile.Region), $"{meanwhile.Status} {meanwhile.Region}\n{env.Diagnostics()}");
        }
        finally
        {
            env.Regions.Link("b").Restore();
        }
        await env.Regions.WaitForLeavesAsync();

        var task = await RegionsEnvironment.WaitAsync(client, id);

        Assert.Equal(("succeeded", "b"), (task.GetProperty("status").GetString(), task.GetProperty("region").GetString()));
    }

    [Fact]
    public async Task A_result_that_is_not_one_is_dropped_and_counted_and_the_next_still_comes_home()
    {
        await env.AnnounceAsync(env.LocalPool(), env.PeerPool());
        using var client = env.Gateway.Client(env.Key);
        var id = await env.SubmitAsync(client, "queued in a, answered from b");
        var before = await HomecomingAsync("undecodable");
        var b = env.B.Names;

        // As if b's worker had run it: one body that is no result, then the result, on b's homeward stream.
        var poison = await env.B.JetStream.PublishAsync(b.Homeward("b", "a", id), "not a result"u8.ToArray(), cancellationToken: TestContext.Current.CancellationToken);
        var result = new TaskHomecoming { Id = id, Status = TaskStates.Succeeded, OutputJson = """{"text":"from b"}""", Attempts = 1, Region = "b" };
        var home = await env.B.JetStream.PublishAsync(b.Homeward("b", "a", id), JsonSerializer.SerializeToUtf8Bytes(result, RegionJsonContext.Default.TaskHomecoming),
            opts: new NatsJSPubOpts { MsgId = result.MessageId }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(poison.Error);
        Assert.Null(home.Error);
        var task = await RegionsEnvironment.WaitAsync(client, id);

        Assert.Equal(("succeeded", "b"), (task.GetProperty("status").GetString(), task.GetProperty("region").GetString()));
        Assert.Equal("from b", task.GetProperty("output").GetProperty("text").GetString());
        await env.EventuallyAsync(async () => await HomecomingAsync("undecodable") == before + 1, "the gateway counted the poison result");
    }

    [Fact]
    public async Task Readiness_says_whether_a_can_take_and_run_tasks_itself_or_through_b()
    {
        try
        {
            await env.AnnounceAsync(env.LocalPoolDown(), env.PeerPool());
            var (throughPeer, throughPeerDetail) = await ReadinessAsync();

            await env.AnnounceAsync(env.LocalPoolDown(), env.PeerPoolDown());
            var (nowhere, nowhereDetail) = await ReadinessAsync();

            Assert.True(throughPeer == HttpStatusCode.OK, throughPeerDetail);
            Assert.Equal("region a: ok", throughPeerDetail);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, nowhere);
            Assert.Equal("region a: no pool of region a is available and no peer takes their work", nowhereDetail);
            // The pods' own readiness leaves the region out: the gateway still answers for the tasks it holds.
            using var http = new HttpClient { BaseAddress = env.Gateway.BaseAddress };
            Assert.Equal("ok", await http.GetStringAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken));
        }
        finally
        {
            await env.AnnounceAsync(env.LocalPool(), env.PeerPool());
        }
    }

    private async Task<(HttpStatusCode Status, string Detail)> ReadinessAsync()
    {
        using var http = new HttpClient { BaseAddress = env.Gateway.BaseAddress };
        using var response = await http.GetAsync(new Uri("/readyz/region", UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<double> HomecomingAsync(string outcome)
    {
        var prefix = $"metaevolve_gateway_homecoming_total{{outcome=\"{outcome}\"}} ";
        var line = (await env.Gateway.GetStringAsync("/metrics")).Split('\n').First(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
