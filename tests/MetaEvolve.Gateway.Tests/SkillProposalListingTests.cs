using System.Net;
using System.Text.Json;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

/// <summary><c>GET /v1/namespaces/{ns}/proposals</c> against a real gateway and store.</summary>
[Trait(Services.Trait, Services.Needed)]
[Collection(nameof(SkillProposalsStore))]
public sealed class SkillProposalListingTests(SkillProposalsEnvironment env)
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<List<JsonElement>> ListAsync(string key, string query = "", string? ns = null)
    {
        using var client = env.Gateways[0].Client(key);
        using var response = await client.GetAsync(new Uri($"/v1/namespaces/{ns ?? env.Namespace}/proposals{query}", UriKind.Relative), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("items").EnumerateArray().Select(item => item.Clone())];
    }

    private static List<Guid> Ids(IEnumerable<JsonElement> items) => [.. items.Select(item => item.GetProperty("id").GetGuid())];

    [Fact]
    public async Task A_key_sees_its_namespaces_proposals_and_never_another_namespaces()
    {
        var agent = SkillProposalsEnvironment.NewAgent("iso");
        var ours = await env.InsertProposalAsync(env.Namespace, agent, "ours", "Published", Start);
        // The same agent and skill names in a namespace the key does not cover, and newer, so only the SQL filter keeps them out.
        var theirs = await env.InsertProposalAsync(env.OtherNamespace, agent, "ours", "Published", Start.AddHours(1));
        var theirsToo = await env.InsertProposalAsync(env.OtherNamespace, SkillProposalsEnvironment.NewAgent("iso"), "x", "Refused", Start.AddHours(2));

        // The largest limit: other tests of the collection add newer rows to the namespace.
        var all = Ids(await ListAsync(env.Key, "?limit=500"));
        var filtered = Ids(await ListAsync(env.Key, $"?agent={agent}"));

        Assert.Contains(ours, all);
        Assert.DoesNotContain(theirs, all);
        Assert.DoesNotContain(theirsToo, all);
        Assert.Equal([ours], filtered);

        using var client = env.Gateways[0].Client(env.Key);
        using var other = await client.GetAsync(new Uri($"/v1/namespaces/{env.OtherNamespace}/proposals", UriKind.Relative), Ct);
        await ProblemAssert.IsProblemAsync(other, HttpStatusCode.Forbidden, $"namespace '{env.OtherNamespace}'");
        using var elsewhere = env.Gateways[0].Client(env.OtherNamespaceKey);
        using var refused = await elsewhere.GetAsync(new Uri($"/v1/namespaces/{env.Namespace}/proposals", UriKind.Relative), Ct);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden, $"namespace '{env.Namespace}'");
    }

    [Fact]
    public async Task The_agent_filter_keeps_only_that_agents_proposals()
    {
        var alpha = SkillProposalsEnvironment.NewAgent("alpha");
        var beta = SkillProposalsEnvironment.NewAgent("beta");
        var a1 = await env.InsertProposalAsync(env.Namespace, alpha, "one", "Published", Start);
        var a2 = await env.InsertProposalAsync(env.Namespace, alpha, "two", "PendingApproval", Start.AddMinutes(1));
        var b1 = await env.InsertProposalAsync(env.Namespace, beta, "one", "Refused", Start.AddMinutes(2), reason: "NameOwnedByOtherAgent");

        var alphas = await ListAsync(env.ReadOnlyKey, $"?agent={alpha}");

        Assert.Equal([a2, a1], Ids(alphas));
        Assert.All(alphas, item => Assert.Equal(alpha, item.GetProperty("agent").GetString()));
        Assert.Equal([b1], Ids(await ListAsync(env.ReadOnlyKey, $"?agent={beta}")));
        Assert.Empty(await ListAsync(env.ReadOnlyKey, "?agent=nobody-proposed"));
    }

    [Fact]
    public async Task Proposals_come_newest_first_and_limit_keeps_the_newest()
    {
        var agent = SkillProposalsEnvironment.NewAgent("order");
        // Written out of order: the listing orders by creation time, not by insertion.
        var middle = await env.InsertProposalAsync(env.Namespace, agent, "s", "Rejected", Start.AddMinutes(5));
        var oldest = await env.InsertProposalAsync(env.Namespace, agent, "s", "Published", Start);
        var newest = await env.InsertProposalAsync(env.Namespace, agent, "s", "Accepted", Start.AddMinutes(10));

        Assert.Equal([newest, middle, oldest], Ids(await ListAsync(env.Key, $"?agent={agent}")));
        Assert.Equal([newest, middle], Ids(await ListAsync(env.Key, $"?agent={agent}&limit=2")));
        Assert.Equal([newest], Ids(await ListAsync(env.Key, $"?limit=1&agent={agent}")));
    }

    [Fact]
    public async Task Without_a_limit_the_listing_stops_at_100()
    {
        var agent = SkillProposalsEnvironment.NewAgent("many");
        for (var i = 0; i < 101; i++)
        {
            await env.InsertProposalAsync(env.Namespace, agent, $"s{i}", "Refused", Start.AddSeconds(i), reason: "RateLimited");
        }

        var items = await ListAsync(env.Key, $"?agent={agent}");

        Assert.Equal(100, items.Count);
        Assert.Equal("s100", items[0].GetProperty("skill").GetString());
        Assert.DoesNotContain(items, item => item.GetProperty("skill").GetString() == "s0");
    }

    [Fact]
    public async Task A_rejected_proposal_shows_its_diagnostics_and_every_field_but_the_spec()
    {
        var agent = SkillProposalsEnvironment.NewAgent("diag");
        var task = Guid.NewGuid();
        const string diagnostics = """
            [{"severity": "Error", "line": 3, "column": 17, "code": "CS0103", "message": "The name 'y' does not exist in the current context"},
             {"severity": "Warning", "line": 1, "column": 1, "code": "SBX002", "message": "System.IO is not allowed"}]
            """;
        var id = await env.InsertProposalAsync(env.Namespace, agent, "broken", "Rejected", Start, reason: "CompilationFailed",
            message: "the source does not compile", diagnosticsJson: diagnostics, decidedBy: "alice", taskId: task);

        using var client = env.Gateways[0].Client(env.Key);
        var body = await client.GetStringAsync(new Uri($"/v1/namespaces/{env.Namespace}/proposals?agent={agent}", UriKind.Relative), Ct);
        var item = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray());

        Assert.Equal(id, item.GetProperty("id").GetGuid());
        Assert.Equal(agent, item.GetProperty("agent").GetString());
        Assert.Equal(task, item.GetProperty("taskId").GetGuid());
        Assert.Equal("broken", item.GetProperty("skill").GetString());
        Assert.Equal("1.0.0", item.GetProperty("version").GetString());
        Assert.Equal("CSharp", item.GetProperty("type").GetString());
        Assert.StartsWith("sha256:", item.GetProperty("digest").GetString(), StringComparison.Ordinal);
        Assert.Equal("Rejected", item.GetProperty("state").GetString());
        Assert.Equal("CompilationFailed", item.GetProperty("reason").GetString());
        Assert.Equal("the source does not compile", item.GetProperty("message").GetString());
        Assert.Equal(Start, item.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(Start.AddSeconds(1), item.GetProperty("handledAt").GetDateTimeOffset());
        Assert.Equal("alice", item.GetProperty("decidedBy").GetString());
        Assert.Equal(Start.AddMinutes(1), item.GetProperty("decidedAt").GetDateTimeOffset());
        using var expected = JsonDocument.Parse(diagnostics);
        Assert.True(JsonElement.DeepEquals(expected.RootElement, item.GetProperty("diagnostics")), item.GetProperty("diagnostics").GetRawText());
        Assert.False(item.TryGetProperty("spec", out _));
        Assert.DoesNotContain(SkillProposalsEnvironment.SpecSourceMarker, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proposal_without_verdict_details_lists_nulls_and_empty_diagnostics()
    {
        var agent = SkillProposalsEnvironment.NewAgent("bare");
        await env.InsertProposalAsync(env.Namespace, agent, "fresh", "Accepted", Start);

        var item = Assert.Single(await ListAsync(env.Key, $"?agent={agent}"));

        Assert.Equal(JsonValueKind.Null, item.GetProperty("reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, item.GetProperty("decidedBy").ValueKind);
        Assert.Equal(JsonValueKind.Null, item.GetProperty("decidedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, item.GetProperty("taskId").ValueKind);
        Assert.Equal(0, item.GetProperty("diagnostics").GetArrayLength());
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=-1", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?limit=", "limit")]
    [InlineData("?agent=Not_An_Agent", "agent")]
    [InlineData("?agent=", "agent")]
    public async Task A_bad_parameter_is_400_naming_it(string query, string parameter)
    {
        using var client = env.Gateways[0].Client(env.Key);
        using var response = await client.GetAsync(new Uri($"/v1/namespaces/{env.Namespace}/proposals{query}", UriKind.Relative), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, parameter);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
    }

    [Fact]
    public async Task The_listing_and_its_parameters_are_in_the_openapi_document()
    {
        using var anonymous = env.Gateways[0].Client(apiKey: null);
        using var openApi = JsonDocument.Parse(await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), Ct));

        var list = openApi.RootElement.GetProperty("paths").GetProperty("/v1/namespaces/{ns}/proposals").GetProperty("get");
        Assert.Equal("ListSkillProposals", list.GetProperty("operationId").GetString());
        var parameters = list.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("agent", parameters);
        Assert.Contains("limit", parameters);
    }
}
