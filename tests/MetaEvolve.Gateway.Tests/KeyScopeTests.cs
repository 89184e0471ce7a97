using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

/// <summary>
/// Keys of one namespace are kept apart: what a key may do is its scopes, a task belongs to the key that submitted it
/// (another key's task is 404 without admin), and a thread to the key that started it.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class KeyScopeTests(GatewayEnvironment env) : IClassFixture<GatewayEnvironment>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Guid> SubmitAsync(string key, string text, string? threadId = null)
    {
        using var client = env.Gateways[0].Client(key);
        using var response = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative),
            threadId is null ? GatewayEnvironment.Echo(text) : JsonContent.Create(new { message = text, threadId }), Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Another_keys_task_is_404_to_a_non_admin_and_visible_to_an_admin()
    {
        var id = await SubmitAsync(env.AliceKey, "alice's");
        using var alice = env.Gateways[1].Client(env.AliceKey);
        using var bob = env.Gateways[1].Client(env.BobKey);
        using var admin = env.Gateways[1].Client(env.AdminKey);

        var own = await alice.GetFromJsonAsync<JsonElement>(new Uri($"/v1/tasks/{id}", UriKind.Relative), Ct);
        Assert.Equal("alice", own.GetProperty("submittedBy").GetString());
        using var hidden = await bob.GetAsync(new Uri($"/v1/tasks/{id}?wait=5s", UriKind.Relative), Ct);
        await ProblemAssert.IsProblemAsync(hidden, HttpStatusCode.NotFound, id.ToString());
        using var hiddenCancel = await bob.DeleteAsync(new Uri($"/v1/tasks/{id}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, hiddenCancel.StatusCode); // bob lacks the cancel scope altogether
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(new Uri($"/v1/tasks/{id}", UriKind.Relative), Ct)).StatusCode);

        // A listing without admin holds only the key's own tasks.
        var bobs = await bob.GetFromJsonAsync<JsonElement>(new Uri($"/v1/namespaces/{env.Namespace}/tasks", UriKind.Relative), Ct);
        Assert.DoesNotContain(bobs.EnumerateArray(), t => t.GetProperty("id").GetGuid() == id);
        var all = await admin.GetFromJsonAsync<JsonElement>(new Uri($"/v1/namespaces/{env.Namespace}/tasks", UriKind.Relative), Ct);
        Assert.Contains(all.EnumerateArray(), t => t.GetProperty("id").GetGuid() == id);

        // Admin may cancel another key's task.
        using var cancelled = await admin.DeleteAsync(new Uri($"/v1/tasks/{id}", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
    }

    [Fact]
    public async Task A_key_without_a_scope_is_refused_naming_it_and_nothing_happens()
    {
        var id = await SubmitAsync(env.AliceKey, "to keep");
        using var alice = env.Gateways[0].Client(env.AliceKey);
        using var reader = env.Gateways[0].Client(env.ReadOnlyKey);
        var rows = await env.RowsAsync();

        using var cancel = await alice.DeleteAsync(new Uri($"/v1/tasks/{id}", UriKind.Relative), Ct);
        await ProblemAssert.IsProblemAsync(cancel, HttpStatusCode.Forbidden, "'cancel' scope");
        var task = await alice.GetFromJsonAsync<JsonElement>(new Uri($"/v1/tasks/{id}", UriKind.Relative), Ct);
        Assert.False(task.GetProperty("cancelRequested").GetBoolean());

        using var submit = await reader.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("not allowed"), Ct);
        await ProblemAssert.IsProblemAsync(submit, HttpStatusCode.Forbidden, "'submit' scope");
        Assert.Equal(rows, await env.RowsAsync());
    }

    [Fact]
    public async Task A_key_limited_to_some_agents_cannot_submit_to_others()
    {
        using var limited = env.Gateways[0].Client(env.OneAgentKey);
        using var refused = await limited.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("wrong agent"), Ct);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, $"agent '{GatewayEnvironment.Agent}'");
    }

    [Fact]
    public async Task Another_keys_thread_is_refused()
    {
        var thread = "thread-" + Guid.NewGuid().ToString("N");
        await SubmitAsync(env.AliceKey, "hello", thread);
        await SubmitAsync(env.AliceKey, "again", thread);

        using var bob = env.Gateways[1].Client(env.BobKey);
        var rows = await env.RowsAsync();
        using var refused = await bob.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), JsonContent.Create(new { message = "read her memory", threadId = thread }), Ct);
        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, "belongs to another API key");
        Assert.Equal("threadId", problem.GetProperty("field").GetString());
        Assert.Equal(rows, await env.RowsAsync());
    }
}

[Trait(Services.Trait, Services.Needed)]
public sealed class NamespaceQuotaTests(NamespaceQuotaEnvironment env) : IClassFixture<NamespaceQuotaEnvironment>
{
    [Fact]
    public async Task A_namespace_at_its_queued_limit_gets_429_and_nothing_is_recorded_or_published()
    {
        using var client = env.Gateways[0].Client(env.Key);
        for (var i = 0; i < 3; i++)
        {
            using var ok = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo($"fill {i}"));
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }

        using var refused = await client.PostAsync(new Uri(env.SubmitPath(), UriKind.Relative), GatewayEnvironment.Echo("one too many"));
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, $"namespace '{env.Namespace}'");
        Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(3, await env.RowsAsync());
        Assert.Equal(3, await env.StreamMessagesAsync());
    }
}
