using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

/// <summary>Two gateways and the real agent-runtime: tasks run, and any replica sees them end.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class WorkerEndToEndTests(WorkerGatewayEnvironment env) : IClassFixture<WorkerGatewayEnvironment>
{
    [Fact]
    public async Task A_task_submitted_through_one_gateway_is_awaited_through_the_other()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var b = env.Gateways[1].Client(env.Key);
        using var submitted = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("across replicas"));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        using var read = await b.GetAsync(new Uri(submitted.Headers.Location + "?wait=30s", UriKind.Relative));
        var task = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("succeeded", task.GetProperty("status").GetString());
        Assert.Equal("across replicas", task.GetProperty("output").GetProperty("text").GetString());
        Assert.True(task.GetProperty("timings").GetProperty("totalMs").GetInt64() >= 0);
    }

    [Fact]
    public async Task A_submission_with_wait_is_answered_with_the_ended_task_in_one_request()
    {
        using var client = env.Gateways[0].Client(env.Key);

        using var response = await client.PostAsync(new Uri(env.SubmitPath() + "?wait=30s", UriKind.Relative), GatewayEnvironment.Echo("in one trip"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var task = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("succeeded", task.GetProperty("status").GetString());
        Assert.Equal("in one trip", task.GetProperty("output").GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_submission_whose_task_outlasts_the_wait_is_accepted_and_a_bad_wait_names_the_field()
    {
        using var client = env.Gateways[0].Client(env.Key);

        using var accepted = await client.PostAsync(new Uri(env.SubmitPath() + "?wait=300ms", UriKind.Relative),
            JsonContent.Create(new { call = new { skill = "system", function = "sleep", arguments = new { ms = 3_000 } } }));
        using var invalid = await client.PostAsync(new Uri(env.SubmitPath() + "?wait=soon", UriKind.Relative), GatewayEnvironment.Echo("never"));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.NotNull(accepted.Headers.Location);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("\"wait\"", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_is_woken_by_the_result_notice_not_by_the_timeout()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var b = env.Gateways[1].Client(env.Key);
        using var submitted = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            JsonContent.Create(new { call = new { skill = "system", function = "sleep", arguments = new { ms = 500 } } }));
        // A 60 s wait that comes back with the finished task can only have been woken by the notice.
        using var read = await b.GetAsync(new Uri(submitted.Headers.Location + "?wait=60s", UriKind.Relative));
        var task = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("succeeded", task.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Events_stream_statuses_until_the_task_ends()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var b = env.Gateways[1].Client(env.Key);
        using var submitted = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            JsonContent.Create(new { call = new { skill = "system", function = "sleep", arguments = new { ms = 300 } } }));
        using var response = await b.GetAsync(new Uri(submitted.Headers.Location + "/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var statuses = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e.StartsWith("event: status", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e[(e.IndexOf("data: ", StringComparison.Ordinal) + 6)..]).RootElement.GetProperty("status").GetString())
            .ToList();
        Assert.Equal("succeeded", statuses[^1]);
        Assert.Contains("event: end", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_running_task_is_cancelled_through_the_other_gateway()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var b = env.Gateways[1].Client(env.Key);
        using var submitted = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            JsonContent.Create(new { call = new { skill = "system", function = "sleep", arguments = new { ms = 60_000 } } }));
        var until = DateTime.UtcNow.AddSeconds(20);
        while ((await a.GetFromJsonAsync<JsonElement>(submitted.Headers.Location)).GetProperty("status").GetString() != "running")
        {
            Assert.True(DateTime.UtcNow < until, "the task never started");
            await Task.Delay(50);
        }
        using var cancel = await b.DeleteAsync(submitted.Headers.Location);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var task = await a.GetFromJsonAsync<JsonElement>(new Uri(submitted.Headers.Location + "?wait=30s", UriKind.Relative));
        Assert.Equal("cancelled", task.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_dead_lettered_task_is_retried()
    {
        using var a = env.Gateways[0].Client(env.Key);
        using var submitted = await a.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            JsonContent.Create(new { call = new { skill = "system", function = "fail", arguments = new { message = "flaky", transient = true } } }));
        var failed = await a.GetFromJsonAsync<JsonElement>(new Uri(submitted.Headers.Location + "?wait=30s", UriKind.Relative));
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.True(failed.GetProperty("deadLettered").GetBoolean(), failed.ToString());

        using var retry = await env.Gateways[1].Client(env.Key).PostAsync(new Uri(submitted.Headers.Location + "/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var again = await a.GetFromJsonAsync<JsonElement>(new Uri(submitted.Headers.Location + "?wait=30s", UriKind.Relative));
        Assert.Equal("failed", again.GetProperty("status").GetString());
        Assert.True(again.GetProperty("deadLettered").GetBoolean());
        Assert.Equal(2, again.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task The_callers_trace_is_carried_in_the_envelope()
    {
        using var a = env.Gateways[0].Client(env.Key);
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(env.SubmitPath(), UriKind.Relative)) { Content = GatewayEnvironment.Echo("traced") };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var submitted = await a.SendAsync(request);
        var id = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var row = await env.Tasks.GetAsync(id);
        Assert.NotNull(row?.TraceParent);
        Assert.Contains(traceId.ToString(), row.TraceParent, StringComparison.Ordinal);
    }
}
