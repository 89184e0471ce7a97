using System.Text.Json;
using MetaEvolve.Cli;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

/// <summary><c>metaevolve skill proposals</c>, in process, against a real gateway and store.</summary>
[Trait(Services.Trait, Services.Needed)]
[Collection(nameof(SkillProposalsStore))]
public sealed class CliSkillProposalsCommandTests(SkillProposalsEnvironment env)
{
    private const string Diagnostics = """
        [{"severity": "Error", "line": 4, "column": 9, "code": "CS1002", "message": "; expected"}]
        """;

    private async Task<(int Exit, string Output, string Error)> RunAgainstAsync(string? url, string key, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] connection = ["--gateway-url", url ?? env.Gateways[0].BaseAddress!.ToString(), "--api-key", key];
        var exit = await MetaEvolveCommand.RunAsync(["skill", "proposals", .. args, .. connection], output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    private Task<(int Exit, string Output, string Error)> RunAsync(params string[] args) => RunAgainstAsync(null, env.Key, [.. args, "-n", env.Namespace]);

    [Fact]
    public async Task The_table_lists_the_agents_proposals_with_a_rejected_ones_diagnostics_under_it()
    {
        var agent = SkillProposalsEnvironment.NewAgent("cli-table");
        var other = SkillProposalsEnvironment.NewAgent("cli-other");
        var now = DateTimeOffset.UtcNow;
        var published = await env.InsertProposalAsync(env.Namespace, agent, "greeter", "Published", now.AddMinutes(-30), decidedBy: "alice");
        var rejected = await env.InsertProposalAsync(env.Namespace, agent, "counter", "Rejected", now.AddMinutes(-5), reason: "CompilationFailed", diagnosticsJson: Diagnostics);
        await env.InsertProposalAsync(env.Namespace, other, "elsewhere", "Refused", now, reason: "RateLimited");

        var (exit, output, error) = await RunAsync("--agent", agent);

        Assert.True(exit == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["ID", "AGENT", "SKILL", "VERSION", "STATE", "REASON", "DECIDED-BY", "AGE"], Cells(lines[0]));
        Assert.Equal([rejected.ToString()[..8], agent, "counter", "1.0.0", "Rejected", "CompilationFailed", "-", "5m"], Cells(lines[1]));
        Assert.Equal("4:9 CS1002 ; expected", lines[2]);
        Assert.Equal([published.ToString()[..8], agent, "greeter", "1.0.0", "Published", "-", "alice", "30m"], Cells(lines[3]));
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("    4:9 CS1002", output.Split('\n')[2], StringComparison.Ordinal);
        Assert.DoesNotContain(other, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_is_the_gateways_listing_with_whole_ids_and_diagnostics()
    {
        var agent = SkillProposalsEnvironment.NewAgent("cli-json");
        var older = await env.InsertProposalAsync(env.Namespace, agent, "a", "Published", DateTimeOffset.UtcNow.AddHours(-2));
        var newer = await env.InsertProposalAsync(env.Namespace, agent, "b", "Rejected", DateTimeOffset.UtcNow.AddHours(-1), reason: "TestsFailed", diagnosticsJson: Diagnostics);

        var (exit, output, error) = await RunAsync("--agent", agent, "-o", "json");

        Assert.True(exit == 0, error);
        using var listing = JsonDocument.Parse(output);
        var items = listing.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([newer, older], items.Select(item => item.GetProperty("id").GetGuid()));
        var diagnostic = Assert.Single(items[0].GetProperty("diagnostics").EnumerateArray());
        Assert.Equal("CS1002", diagnostic.GetProperty("code").GetString());
        Assert.Equal(4, diagnostic.GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task A_namespace_without_proposals_says_so_and_exits_0()
    {
        var (exit, output, error) = await RunAsync("--agent", SkillProposalsEnvironment.NewAgent("cli-none"));

        Assert.True(exit == 0, error);
        Assert.Equal("No skill proposals.", output.Trim());
    }

    [Fact]
    public async Task A_refused_request_exits_2_naming_the_cause()
    {
        var (badLimit, _, limitError) = await RunAsync("--limit", "0");
        Assert.Equal(2, badLimit);
        Assert.Contains("limit: must be a whole number from 1 to 500", limitError, StringComparison.Ordinal);

        var (forbidden, output, error) = await RunAgainstAsync(null, env.Key, "-n", env.OtherNamespace);
        Assert.Equal(2, forbidden);
        Assert.Contains($"403 Namespace not allowed: API key 'tests' may not use namespace '{env.OtherNamespace}'", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public async Task An_unreachable_gateway_exits_3()
    {
        // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
        var (exit, output, error) = await RunAgainstAsync("http://127.0.0.1:9/", env.Key, "-n", env.Namespace);

        Assert.Equal(3, exit);
        Assert.Contains("cannot reach the gateway at http://127.0.0.1:9/", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public async Task An_output_format_other_than_table_or_json_is_a_usage_error()
    {
        var (exit, _, error) = await RunAsync("-o", "yaml");

        Assert.Equal(2, exit);
        Assert.Contains("yaml", error, StringComparison.Ordinal);
    }

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
