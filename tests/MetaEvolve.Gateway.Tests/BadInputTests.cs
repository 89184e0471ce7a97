using System.Net;
using System.Net.Http.Json;
using System.Text;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

/// <summary>Every refusal answers with the right status and a problem+json naming the cause, and publishes nothing.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class BadInputTests(GatewayEnvironment env) : IClassFixture<GatewayEnvironment>
{
    private async Task AssertNothingPublishedAsync(Func<Task> request)
    {
        var (messages, rows) = (await env.StreamMessagesAsync(), await env.RowsAsync());
        await request();
        Assert.Equal(messages, await env.StreamMessagesAsync());
        Assert.Equal(rows, await env.RowsAsync());
    }

    [Fact]
    public Task Unknown_agent_is_404_naming_the_agent() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var response = await client.PostAsync(new Uri(env.SubmitPath("no-such-agent"), UriKind.Relative), GatewayEnvironment.Echo("x"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "no-such-agent");
    });

    [Fact]
    public Task Agent_whose_pool_has_no_consumer_is_409_naming_the_pool() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var response = await client.PostAsync(new Uri(env.SubmitPath(GatewayEnvironment.OrphanAgent), UriKind.Relative), GatewayEnvironment.Echo("x"));
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, $"pool {env.Namespace}/{GatewayEnvironment.PoolWithoutConsumer} has no consumer");
        Assert.Equal($"{env.Namespace}/{GatewayEnvironment.PoolWithoutConsumer}", problem.GetProperty("pool").GetString());
    });

    [Fact]
    public Task Malformed_json_is_400() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var content = new StringContent("{\"message\": \"hi\"", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), content);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "Malformed JSON");
    });

    [Fact]
    public Task Misspelt_field_is_400_naming_it() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var content = new StringContent("{\"mesage\": \"hi\"}", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), content);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "mesage");
    });

    [Fact]
    public Task Body_failing_validation_names_the_fields() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            JsonContent.Create(new { call = new { skill = "system", arguments = new[] { 1 } }, timeoutSeconds = -1 }));
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "call.function");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("call.arguments", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("timeoutSeconds", out _), errors.ToString());
    });

    [Fact]
    public Task Nul_character_in_the_input_is_400_naming_the_field() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var content = new StringContent("{\"message\": \"hi\\u0000\"}", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), content);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "input.message contains U+0000");
    });

    [Fact]
    public Task Both_message_and_call_is_400() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            JsonContent.Create(new { message = "hi", call = new { skill = "system", function = "echo" } }));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "exactly one");
    });

    [Fact]
    public Task Oversized_body_is_413() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            JsonContent.Create(new { message = new string('x', 100_000) }));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "65536");
    });

    [Fact]
    public Task Oversized_chunked_body_is_413() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key);
        // No Content-Length: the limit must hold while the body streams in.
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"message\":\"" + new string('y', 100_000) + "\"}")));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.SubmitPath(), UriKind.Relative)) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "65536");
    });

    [Fact]
    public Task Missing_key_is_401() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(apiKey: null);
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("x"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "API key is required");
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    });

    [Fact]
    public Task Wrong_key_is_401() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.Key + "x");
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("x"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "not valid");
    });

    [Fact]
    public Task Key_of_another_namespace_is_403() => AssertNothingPublishedAsync(async () =>
    {
        using var client = env.Gateways[0].Client(env.OtherNamespaceKey);
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("x"));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, env.Namespace);
    });

    [Fact]
    public async Task Over_the_rate_limit_is_429_with_retry_after_and_nothing_published()
    {
        using var client = env.Gateways[1].Client(env.LimitedKey);
        // Burst 3, then 1 per second: requests in quick succession run out of tokens within a few.
        var accepted = 0;
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 30 && refused is null; i++)
        {
            var (messages, rows) = (await env.StreamMessagesAsync(), await env.RowsAsync());
            var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("x"));
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted++;
                response.Dispose();
                continue;
            }
            refused = response;
            Assert.Equal(messages, await env.StreamMessagesAsync());
            Assert.Equal(rows, await env.RowsAsync());
        }
        Assert.NotNull(refused);
        using (refused)
        {
            Assert.True(accepted >= 3, $"only {accepted} passed before the limit; the burst is 3");
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, "limited");
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), refused.Headers.ToString());
        }
    }

    [Fact]
    public async Task Unknown_task_is_404_and_a_task_of_another_namespace_looks_unknown()
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var response = await client.GetAsync(new Uri($"/v1/tasks/{Guid.CreateVersion7()}", UriKind.Relative));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "no task");

        using var accepted = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("mine"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        using var other = env.Gateways[0].Client(env.OtherNamespaceKey);
        using var hidden = await other.GetAsync(accepted.Headers.Location);
        await ProblemAssert.IsProblemAsync(hidden, HttpStatusCode.NotFound, "no task");
    }

    [Fact]
    public async Task Bad_wait_is_400_naming_the_parameter()
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var response = await client.GetAsync(new Uri($"/v1/tasks/{Guid.CreateVersion7()}?wait=soon", UriKind.Relative));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "wait");
    }
}
