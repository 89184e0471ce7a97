using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.Gateway.Tests;

/// <summary>"Accepted" means "will run": a task whose publish does not get through is published by the outbox relay.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class OutboxRelayTests(GatewayEnvironment env) : IClassFixture<GatewayEnvironment>
{
    [Fact]
    public async Task A_task_accepted_while_the_stream_is_away_is_published_once_when_it_is_back()
    {
        await env.JetStream.DeleteStreamAsync(env.Stream, TestContext.Current.CancellationToken);
        using var client = env.Gateways[0].Client(env.Key);

        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("later"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("id").GetGuid();
        Assert.Equal(TaskStates.Queued, (await env.Tasks.GetAsync(id, TestContext.Current.CancellationToken))!.Status);

        await new TaskQueueTopology(env.JetStream, env.Names, env.StreamOptions(), NullLogger<TaskQueueTopology>.Instance).EnsureStreamAsync(TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await env.StreamMessagesAsync() == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        Assert.Equal(1, await env.StreamMessagesAsync());

        // Relayed once: the entry is gone, and later rounds publish nothing more.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        Assert.Equal(1, await env.StreamMessagesAsync());
        await using var entries = env.DataSource.CreateCommand($"SELECT count(*) FROM {env.Schema}.task_outbox");
        Assert.Equal(0L, (long)(await entries.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }
}
