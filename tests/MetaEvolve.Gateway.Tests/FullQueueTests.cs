using System.Net;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

[Trait(Services.Trait, Services.Needed)]
public sealed class FullQueueTests(FullQueueEnvironment env) : IClassFixture<FullQueueEnvironment>
{
    [Fact]
    public async Task Full_queue_is_503_with_retry_after_and_leaves_no_task_behind()
    {
        using var client = env.Gateways[0].Client(env.Key);
        for (var i = 0; i < 2; i++)
        {
            using var ok = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo($"fill {i}"));
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }
        Assert.Equal(2, await env.StreamMessagesAsync());

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.SubmitPath(), UriKind.Relative)) { Content = GatewayEnvironment.Echo("one too many") };
        request.Headers.Add("Idempotency-Key", "overflow-1");
        using var refused = await client.SendAsync(request);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "queue full");
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(2, await env.StreamMessagesAsync());
        Assert.Equal(2, await env.RowsAsync());

        // The refused key was released: once there is room, the same key submits the task.
        await env.JetStream.PurgeStreamAsync(env.Stream, new NATS.Client.JetStream.Models.StreamPurgeRequest());
        using var retry = new HttpRequestMessage(HttpMethod.Post, new Uri(env.SubmitPath(), UriKind.Relative)) { Content = GatewayEnvironment.Echo("one too many") };
        retry.Headers.Add("Idempotency-Key", "overflow-1");
        using var accepted = await client.SendAsync(retry);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(1, await env.StreamMessagesAsync());
    }
}
