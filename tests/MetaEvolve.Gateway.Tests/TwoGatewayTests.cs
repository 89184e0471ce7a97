using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

/// <summary>Two replicas on the same stores, no worker: what they agree on without talking to each other.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class TwoGatewayTests(GatewayEnvironment env) : IClassFixture<GatewayEnvironment>
{
    [Fact]
    public async Task One_idempotency_key_sent_to_both_gateways_yields_one_task()
    {
        var (messages, rows) = (await env.StreamMessagesAsync(), await env.RowsAsync());
        var key = "order-" + Guid.NewGuid().ToString("N");
        var clients = env.Gateways.Select(g => g.Client(env.Key)).ToArray();
        try
        {
            // Several rounds of both replicas at once, so the race on the key is actually run.
            var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.SubmitPath(), UriKind.Relative)) { Content = GatewayEnvironment.Echo("once") };
                request.Headers.Add("Idempotency-Key", key);
                using var response = await clients[i % 2].SendAsync(request);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                return (Id: body.GetProperty("id").GetGuid(), Location: response.Headers.Location?.ToString(), Duplicate: body.GetProperty("duplicate").GetBoolean());
            }));
            var ids = responses.Select(r => r.Id).Distinct().ToArray();
            Assert.Single(ids);
            Assert.Equal(1, responses.Count(r => !r.Duplicate));
            Assert.All(responses, r => Assert.Equal($"/v1/tasks/{ids[0]:D}", r.Location));
            Assert.Equal(rows + 1, await env.RowsAsync());
            Assert.Equal(messages + 1, await env.StreamMessagesAsync());
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_task_submitted_through_one_gateway_is_read_through_the_other()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var b = env.Gateways[1].Client(env.Key);
        using var submitted = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            JsonContent.Create(new { message = "hello", threadId = "th-1" }));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        using var read = await b.GetAsync(submitted.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var task = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("queued", task.GetProperty("status").GetString());
        Assert.Equal("hello", task.GetProperty("input").GetProperty("message").GetString());
        Assert.Equal("th-1", task.GetProperty("threadId").GetString());
        Assert.Equal("p", task.GetProperty("pool").GetString());
    }

    [Fact]
    public async Task A_queued_task_cancelled_through_one_gateway_is_cancelled_for_the_other()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var b = env.Gateways[1].Client(env.Key);
        using var submitted = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("never"));
        using var cancelled = await b.DeleteAsync(submitted.Headers.Location);
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        var task = await (await a.GetAsync(submitted.Headers.Location)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("cancelled", task.GetProperty("status").GetString());
        using var again = await a.DeleteAsync(submitted.Headers.Location);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "cancelled");
        using var retry = await a.PostAsync(new Uri(submitted.Headers.Location + "/retry", UriKind.Relative), null);
        await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "not dead-lettered");
    }

    [Fact]
    public async Task Wait_on_a_task_that_does_not_end_returns_it_unfinished_after_the_wait()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var submitted = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("nobody runs me"));
        using var read = await a.GetAsync(new Uri(submitted.Headers.Location + "?wait=300ms", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("queued", (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Tasks_are_listed_newest_first()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var first = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("1"));
        using var second = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("2"));
        var list = await a.GetFromJsonAsync<JsonElement>(new Uri($"/v1/namespaces/{env.Namespace}/tasks?status=queued&limit=2", UriKind.Relative));
        Assert.Equal(2, list.GetArrayLength());
        Assert.Equal(second.Headers.Location?.ToString(), list[0].GetProperty("url").GetString());
        Assert.Equal(first.Headers.Location?.ToString(), list[1].GetProperty("url").GetString());
    }

    [Fact]
    public async Task Agents_show_pool_model_and_resolved_skills()
    {
        using var a = env.Gateways[1].Client(env.Key);
        var list = await a.GetFromJsonAsync<JsonElement>(new Uri($"/v1/namespaces/{env.Namespace}/agents", UriKind.Relative));
        Assert.Equal([GatewayEnvironment.Agent, GatewayEnvironment.OrphanAgent], list.EnumerateArray().Select(a => a.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var agent = await a.GetFromJsonAsync<JsonElement>(new Uri($"/v1/namespaces/{env.Namespace}/agents/{GatewayEnvironment.Agent}", UriKind.Relative));
        Assert.Equal("p", agent.GetProperty("pool").GetString());
        Assert.Equal("gpt-4o-mini", agent.GetProperty("model").GetProperty("model").GetString());
        Assert.Equal("1.0.0", agent.GetProperty("skills")[0].GetProperty("version").GetString());
        using var missing = await a.GetAsync(new Uri($"/v1/namespaces/{env.Namespace}/agents/nobody", UriKind.Relative));
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound, "nobody");
    }

    [Fact]
    public async Task Health_readiness_metrics_and_openapi_are_served()
    {
        using var anonymous = env.Gateways[0].Client(apiKey: null);
        Assert.Equal("ok", await anonymous.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
        Assert.Equal("ok", await anonymous.GetStringAsync(new Uri("/readyz", UriKind.Relative)));
        Assert.Contains("metaevolve_gateway_tasks_submitted_total", await anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative)), StringComparison.Ordinal);
        var openApi = await anonymous.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));
        var paths = openApi.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/namespaces/{ns}/agents/{agent}/tasks", out var submit), paths.ToString());
        Assert.True(submit.GetProperty("post").GetProperty("responses").TryGetProperty("202", out _));
        Assert.True(paths.TryGetProperty("/v1/tasks/{id}", out _));
        Assert.True(paths.TryGetProperty("/v1/tasks/{id}/events", out _));
    }
}
