using System.Text.Json.Nodes;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using Npgsql;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// Direct calls of the built-in evolution plugin against real services: the worker's verdicts, and the
/// skill_proposals rows it leaves for the operator (no operator runs here, so nothing moves past Accepted).
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class EvolutionTests : IAsyncLifetime
{
    private const string Agent = PipelineEnvironment.Agent;
    private readonly AgentEnvironment _env = new();

    public ValueTask InitializeAsync() => _env.InitializeAsync();

    public ValueTask DisposeAsync() => _env.DisposeAsync();

    private const string Counter = """
        using System;
        using System.ComponentModel;
        using Microsoft.SemanticKernel;

        public sealed class Letters
        {
            [KernelFunction, Description("Counts the letters of a text.")]
            public int Count(string text) => text.Length;
        }
        """;

    private static JsonObject AgentWithEvolution(int maxAuthoredSkills = 5, int maxProposalsPerHour = 20, bool enabled = true) => new()
    {
        ["poolRef"] = new JsonObject { ["name"] = PipelineEnvironment.Pool },
        ["skills"] = new JsonArray(),
        ["evolution"] = new JsonObject
        {
            ["enabled"] = enabled,
            ["approval"] = "Manual",
            ["maxAuthoredSkills"] = maxAuthoredSkills,
            ["maxProposalsPerHour"] = maxProposalsPerHour,
        },
    };

    private static string Proposal(string name, string source, string expectEquals = "5", string? version = null)
    {
        var arguments = new JsonObject
        {
            ["name"] = name,
            ["type"] = "CSharp",
            ["description"] = "Counts letters.",
            ["source"] = source,
            ["tests"] = new JsonArray(new JsonObject
            {
                ["name"] = "five",
                ["function"] = "Count",
                ["arguments"] = new JsonObject { ["text"] = "hello" },
                ["expect"] = new JsonObject { ["equals"] = expectEquals },
            }).ToJsonString(),
        };
        if (version is not null)
        {
            arguments["version"] = version;
        }

        return arguments.ToJsonString();
    }

    private async Task<(TaskRecord Record, JsonObject Result)> ProposeAsync(string argumentsJson)
    {
        var record = await _env.RunAsync(_env.Call("evolution", "ProposeSkill", argumentsJson));
        Assert.True(record.Status == TaskStates.Succeeded, $"{record.Status}: {record.Error}");
        var output = AgentEnvironment.Output(record);
        Assert.Equal("evolution", (string?)output["skill"]!["name"]);
        return (record, JsonNode.Parse((string)output["result"]!)!.AsObject());
    }

    private async Task StartAsync(JsonObject agent, string proposalWait = "00:00:00.300")
    {
        await _env.SetAgentAsync(Agent, agent);
        var worker = _env.StartWorker(extra: new Dictionary<string, string> { ["Agents__ProposalWait"] = proposalWait });
        await worker.WaitReadyAsync(ServiceStartup.Limit);
    }

    private Task<List<ProposalRow>> RowsAsync() => ProposalRows.ReadAsync(_env);

    /// <summary>A row as another worker or an earlier proposal would have left it.</summary>
    private async Task InsertRowAsync(string skill, string version, string state, string agent = Agent)
    {
        await using var command = _env.Pipeline.DataSource.CreateCommand($"""
            INSERT INTO {_env.Pipeline.Schema}.skill_proposals (id, namespace, agent, skill, version, type, spec, digest, state)
            VALUES ($1, $2, $3, $4, $5, 'CSharp', '{"{}"}', 'sha256:x', $6)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _env.Namespace });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = version });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state });
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Compile_failure_is_Rejected_with_a_diagnostic_on_its_line_and_nothing_is_Accepted()
    {
        await StartAsync(AgentWithEvolution());
        var broken = Counter.Replace("text.Length", "text.Lenght", StringComparison.Ordinal);

        var (_, result) = await ProposeAsync(Proposal("letter-count", broken));

        Assert.Equal("Rejected", (string?)result["state"]);
        var diagnostics = result["diagnostics"]!.AsArray().Select(d => d!.AsObject()).ToList();
        Assert.Contains(diagnostics, d => (string?)d["code"] == "CS1061" && (int?)d["line"] == 8 && (string?)d["severity"] == "Error");
        var row = Assert.Single(await RowsAsync());
        Assert.Equal(("letter-count", "Rejected"), (row.Skill, row.State));
    }

    [Fact]
    public async Task Failing_declared_test_is_Rejected_naming_the_test()
    {
        await StartAsync(AgentWithEvolution());

        var (_, result) = await ProposeAsync(Proposal("letter-count", Counter, expectEquals: "6"));

        Assert.Equal("Rejected", (string?)result["state"]);
        var diagnostic = Assert.Single(result["diagnostics"]!.AsArray())!.AsObject();
        Assert.Equal(SkillDiagnosticCodes.TestFailed, (string?)diagnostic["code"]);
        Assert.Contains("'five'", (string?)diagnostic["message"], StringComparison.Ordinal);
        Assert.DoesNotContain(await RowsAsync(), r => r.State == "Accepted");
    }

    [Fact]
    public async Task Passing_proposal_is_recorded_Accepted_with_the_digest_of_its_spec_and_the_next_patch_version()
    {
        await StartAsync(AgentWithEvolution());
        await InsertRowAsync("letter-count", "1.2.0", "PendingApproval");

        var (record, result) = await ProposeAsync(Proposal("letter-count", Counter));

        // No operator runs here: after ProposalWait the worker says so.
        Assert.Equal("Accepted", (string?)result["state"]);
        Assert.Equal("waiting for the operator", (string?)result["message"]);
        Assert.Equal("1.2.1", (string?)result["version"]);
        var row = (await RowsAsync()).Single(r => r.State == "Accepted");
        var spec = JsonNode.Parse(row.Spec)!.AsObject();
        Assert.Equal(SkillDigest.Compute(spec), row.Digest);
        Assert.Equal(row.Digest, (string?)result["digest"]);
        Assert.Equal(record.Id, row.TaskId);
        Assert.Equal("1.2.1", row.Version);
        Assert.Equal("1.2.1", (string?)spec["version"]);
        Assert.Equal(Counter, (string?)spec["csharp"]!["source"]);
        Assert.Equal("Agent", (string?)spec["origin"]!["authoredBy"]);
        Assert.Equal(Agent, (string?)spec["origin"]!["agentRef"]!["name"]);
        Assert.Equal("hello", (string?)spec["tests"]![0]!["arguments"]!["text"]);

        var listed = await _env.RunAsync(_env.Call("evolution", "ListAuthoredSkills", "{}"));
        Assert.True(listed.Status == TaskStates.Succeeded, listed.Error);
        var skill = Assert.Single(JsonNode.Parse((string)AgentEnvironment.Output(listed)["result"]!)!["skills"]!.AsArray())!;
        Assert.Equal(("letter-count", "1.2.1", "Accepted"), ((string?)skill["skill"], (string?)skill["version"], (string?)skill["state"]));
    }

    [Fact]
    public async Task More_authored_names_than_maxAuthoredSkills_are_Refused_QuotaExceeded()
    {
        await StartAsync(AgentWithEvolution(maxAuthoredSkills: 1));
        await InsertRowAsync("word-count", "1.0.0", "Published");

        var (_, result) = await ProposeAsync(Proposal("letter-count", Counter));

        Assert.Equal("Refused", (string?)result["state"]);
        Assert.Equal("QuotaExceeded", (string?)result["reason"]);
        Assert.Contains("authored 1 skills", (string?)result["message"], StringComparison.Ordinal);
        Assert.Contains(await RowsAsync(), r => r is { Skill: "letter-count", State: "Refused", Reason: "QuotaExceeded" });
    }

    [Fact]
    public async Task More_proposals_in_an_hour_than_maxProposalsPerHour_are_Refused_RateLimited()
    {
        await StartAsync(AgentWithEvolution(maxProposalsPerHour: 2));
        await InsertRowAsync("letter-count", "1.0.0", "Rejected");
        await InsertRowAsync("letter-count", "1.0.0", "Rejected");

        var (_, result) = await ProposeAsync(Proposal("letter-count", Counter));

        Assert.Equal("Refused", (string?)result["state"]);
        Assert.Equal("RateLimited", (string?)result["reason"]);
        Assert.Contains(await RowsAsync(), r => r is { State: "Refused", Reason: "RateLimited" });
    }

    [Fact]
    public async Task Name_of_a_human_authored_skill_is_Refused_NameOwnedByHuman()
    {
        await _env.PublishSkillAsync("calc", AgentEnvironment.CalcSkill());
        await StartAsync(AgentWithEvolution());

        var (_, result) = await ProposeAsync(Proposal("calc", Counter));

        Assert.Equal("Refused", (string?)result["state"]);
        Assert.Equal("NameOwnedByHuman", (string?)result["reason"]);
    }

    [Fact]
    public async Task Name_another_agent_proposed_is_Refused_NameOwnedByOtherAgent()
    {
        await StartAsync(AgentWithEvolution());
        await InsertRowAsync("letter-count", "1.0.0", "PendingApproval", agent: "agent-b");

        var (_, result) = await ProposeAsync(Proposal("letter-count", Counter));

        Assert.Equal("NameOwnedByOtherAgent", (string?)result["reason"]);
        Assert.Contains("agent-b", (string?)result["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_source_is_Refused_TooLarge()
    {
        await StartAsync(AgentWithEvolution());

        var (_, result) = await ProposeAsync(Proposal("letter-count", Counter + "\n//" + new string('x', 64 * 1024)));

        Assert.Equal("TooLarge", (string?)result["reason"]);
    }

    [Fact]
    public async Task Model_is_offered_the_evolution_tools_and_its_proposal_is_recorded_with_its_task()
    {
        // JSON values as a model sends them (arrays, not strings): the worker reads them the same way.
        const string Arguments = """
            {"name": "shout", "type": "Prompt", "description": "Says a text loudly.", "template": "Say loudly: {{$text}}",
             "inputVariables": [{"name": "text", "description": "What to say."}],
             "tests": [{"function": "shout", "arguments": {"text": "hi"}, "expect": {"contains": "HI"}}]}
            """;
        await using var model = new ScriptedModelServer(request => (string?)ChatRequest.LastMessage(request)["role"] == "tool"
            ? ScriptedReply.Text("done: " + ChatRequest.Text(ChatRequest.LastMessage(request)))
            : ScriptedReply.ToolCalls(("evolution-ProposeSkill", Arguments)));
        var agent = AgentEnvironment.AgentSpec(model, "Author skills when useful.");
        agent["evolution"] = new JsonObject { ["enabled"] = true };
        await StartAsync(agent);

        var chat = _env.Chat("Make a skill that shouts.");
        var record = await _env.RunAsync(chat);

        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        Assert.Contains(model.Requests, r => ChatRequest.ToolNames(r).Contains("evolution-ProposeSkill") && ChatRequest.ToolNames(r).Contains("evolution-ListAuthoredSkills"));
        var answer = (string?)AgentEnvironment.Output(record)["answer"];
        Assert.StartsWith("done: ", answer, StringComparison.Ordinal);
        Assert.Equal("Accepted", (string?)JsonNode.Parse(answer!["done: ".Length..])!["state"]);
        var row = Assert.Single(await RowsAsync());
        Assert.Equal(("shout", "Accepted", (Guid?)chat.Id), (row.Skill, row.State, row.TaskId));
        Assert.Equal("What to say.", (string?)JsonNode.Parse(row.Spec)!["prompt"]!["inputVariables"]![0]!["description"]);
    }

    [Fact]
    public async Task Agent_without_evolution_enabled_has_no_evolution_plugin()
    {
        await StartAsync(AgentWithEvolution(enabled: false));

        var record = await _env.RunAsync(_env.Call("evolution", "ProposeSkill", Proposal("letter-count", Counter)));

        Assert.Equal(TaskStates.Failed, record.Status);
        Assert.Equal($"agent '{_env.Namespace}/{Agent}' has no 'evolution' plugin: its spec.evolution.enabled is not true", record.Error);
        Assert.Empty(await RowsAsync());
    }

    [Fact]
    public async Task Published_skill_the_agent_authored_is_callable_without_being_listed()
    {
        var authored = AgentEnvironment.CalcSkill();
        authored["origin"] = new JsonObject { ["authoredBy"] = "Agent", ["agentRef"] = new JsonObject { ["name"] = Agent } };
        await _env.PublishSkillAsync("agent-calc", authored);
        await _env.PublishSkillAsync("other-calc", AgentEnvironment.CalcSkill());
        await StartAsync(AgentWithEvolution());

        var own = await _env.RunAsync(_env.Call("agent-calc", "Add", """{"a": 2, "b": 3}"""));
        var other = await _env.RunAsync(_env.Call("other-calc", "Add", """{"a": 2, "b": 3}"""));

        Assert.True(own.Status == TaskStates.Succeeded, own.Error);
        Assert.Equal("5", (string?)AgentEnvironment.Output(own)["result"]);
        Assert.Equal(TaskStates.Failed, other.Status);
    }

    [Fact]
    public async Task Skill_the_agent_authored_reaches_the_running_worker_when_it_is_published()
    {
        await StartAsync(AgentWithEvolution());
        await using var applied = await AppliedWatcher.StartAsync(_env.Pipeline.Nats, _env.Pipeline.Names, _env.Namespace);
        var before = await _env.RunAsync(_env.Call("agent-calc", "Add", """{"a": 2, "b": 3}"""));
        Assert.Equal(TaskStates.Failed, before.Status);

        // What the operator does when it publishes an accepted proposal: store the version, then announce it.
        var authored = AgentEnvironment.CalcSkill();
        authored["origin"] = new JsonObject { ["authoredBy"] = "Agent", ["agentRef"] = new JsonObject { ["name"] = Agent } };
        var digest = await _env.PublishSkillAsync("agent-calc", authored);
        await applied.WaitAsync(n => AppliedWatcher.HasSkill(n, "agent-calc", digest), timeout: TimeSpan.FromSeconds(60));

        var after = await _env.RunAsync(_env.Call("agent-calc", "Add", """{"a": 2, "b": 3}"""));
        Assert.True(after.Status == TaskStates.Succeeded, after.Error);
        Assert.Equal("5", (string?)AgentEnvironment.Output(after)["result"]);
    }
}
