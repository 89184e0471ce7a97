using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// Self-evolution driven by a model: a scripted OpenAI-compatible model proposes a skill through the evolution tool,
/// reads the worker's rejection, fixes its code and proposes again. No operator runs here, so a proposal that passes
/// stays Accepted ("waiting for the operator") once Agents__ProposalWait has passed.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ModelEvolutionTests : IAsyncLifetime
{
    private const string ProposeTool = "evolution-ProposeSkill";
    private const string FinalAnswer = "letter-count 1.0.0 passed its checks and waits for the operator.";

    // Line 8 reads a member that does not exist (CS1061); the fix is the only difference.
    private const string Broken = """
        using System;
        using System.ComponentModel;
        using Microsoft.SemanticKernel;

        public sealed class Letters
        {
            [KernelFunction, Description("Counts the letters of a text.")]
            public int Count(string text) => text.Lenght;
        }
        """;

    private static readonly string Fixed = Broken.Replace("text.Lenght", "text.Length", StringComparison.Ordinal);

    private readonly AgentEnvironment _env = new();

    public ValueTask InitializeAsync() => _env.InitializeAsync();

    public ValueTask DisposeAsync() => _env.DisposeAsync();

    /// <summary>
    /// Arguments as a model following the offered schema sends them: every parameter is a string, so <c>tests</c> is
    /// a JSON array inside a string.
    /// </summary>
    private static string Proposal(string source) => new JsonObject
    {
        ["name"] = "letter-count",
        ["type"] = "CSharp",
        ["description"] = "Counts the letters of a text.",
        ["source"] = source,
        ["tests"] = """[{"name": "five", "function": "Count", "arguments": {"text": "hello"}, "expect": {"equals": "5"}}]""",
    }.ToJsonString();

    private static JsonObject? LastToolResult(JsonObject request) =>
        (string?)LastMessage(request)["role"] == "tool" ? JsonNode.Parse(Text(LastMessage(request))) as JsonObject : null;

    /// <summary>
    /// The model acts on what it reads: no tool result yet → the broken proposal; a rejection naming CS1061 → the fix;
    /// an accepted proposal → the final answer. Anything else ends the conversation with text the test will not expect.
    /// </summary>
    private static ScriptedReply Script(JsonObject request) => LastToolResult(request) switch
    {
        null when (string?)LastMessage(request)["role"] == "user" => ScriptedReply.ToolCalls((ProposeTool, Proposal(Broken))),
        { } result when (string?)result["state"] == "Rejected"
            && result["diagnostics"] is JsonArray diagnostics && diagnostics.Any(d => (string?)d!["code"] == "CS1061") =>
            ScriptedReply.ToolCalls((ProposeTool, Proposal(Fixed))),
        { } result when (string?)result["state"] == "Accepted" => ScriptedReply.Text(FinalAnswer),
        var other => ScriptedReply.Text("unexpected: " + Text(LastMessage(request)) + other?.ToJsonString()),
    };

    [Fact]
    public async Task Model_fixes_a_proposal_the_compiler_rejected_and_its_second_proposal_passes()
    {
        await using var model = new ScriptedModelServer(Script);
        var agent = AgentEnvironment.AgentSpec(model, "Author skills when useful.");
        agent["evolution"] = new JsonObject { ["enabled"] = true };
        await _env.SetAgentAsync(PipelineEnvironment.Agent, agent);
        var worker = _env.StartWorker(extra: new Dictionary<string, string> { ["Agents__ProposalWait"] = "00:00:00.300" });
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var chat = _env.Chat("Make a skill that counts letters.");
        // Two compilations and a skill-host test run: more than a plain chat takes on a loaded machine.
        var record = await _env.RunAsync(chat, TimeSpan.FromSeconds(120));

        Assert.True(record.Status == TaskStates.Succeeded, $"{record.Status}: {record.Error}");
        var output = AgentEnvironment.Output(record);
        Assert.Equal(FinalAnswer, (string?)output["answer"]);
        Assert.Equal(["evolution.ProposeSkill", "evolution.ProposeSkill"], output["toolCalls"]!.AsArray().Select(c => (string)c!["function"]!));
        Assert.All(output["toolCalls"]!.AsArray(), c => Assert.Null((string?)c!["error"]));

        var requests = model.Requests.ToList();
        Assert.Equal(3, requests.Count);

        // The tool the model was offered takes tests as a string holding a JSON array, as the script sends it.
        var propose = requests[0]["tools"]!.AsArray().Single(t => (string?)t!["function"]!["name"] == ProposeTool)!["function"]!;
        Assert.Equal("string", (string?)propose["parameters"]!["properties"]!["tests"]!["type"]);
        Assert.Contains("JSON array", (string?)propose["parameters"]!["properties"]!["tests"]!["description"], StringComparison.Ordinal);

        // Second request: the compiler's verdict on the first proposal, positioned on the broken line.
        var rejected = LastToolResult(requests[1]);
        Assert.NotNull(rejected);
        Assert.Equal("Rejected", (string?)rejected["state"]);
        var diagnostic = rejected["diagnostics"]!.AsArray().Single(d => (string?)d!["code"] == "CS1061")!;
        Assert.Equal("Error", (string?)diagnostic["severity"]);
        Assert.Equal(8, (int?)diagnostic["line"]);
        Assert.Contains("'Lenght'", (string?)diagnostic["message"], StringComparison.Ordinal);
        // As the model reads it: the compiler's words, not \u0027-escaped ones.
        Assert.Contains("'string' does not contain a definition for 'Lenght'", Text(LastMessage(requests[1])), StringComparison.Ordinal);

        // Third request: the fixed proposal passed the worker's checks; with no operator it stays Accepted.
        var accepted = LastToolResult(requests[2]);
        Assert.NotNull(accepted);
        Assert.Equal("Accepted", (string?)accepted["state"]);
        Assert.Equal("waiting for the operator", (string?)accepted["message"]);
        Assert.Equal(("letter-count", "1.0.0"), ((string?)accepted["skill"], (string?)accepted["version"]));
        Assert.Null(accepted["diagnostics"]);
        // The whole conversation went back each time: the rejection is still there when the model reads the acceptance.
        Assert.Equal(2, Messages(requests[2]).Count(m => (string?)m!["role"] == "tool"));

        var rows = await ProposalRows.ReadAsync(_env);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal((PipelineEnvironment.Agent, "letter-count", "1.0.0", (Guid?)chat.Id), (r.Agent, r.Skill, r.Version, r.TaskId)));
        Assert.Equal("Rejected", rows[0].State);
        Assert.Contains(rows[0].Diagnostics, d => (string?)d!["code"] == "CS1061" && (int?)d["line"] == 8);
        Assert.Equal(Broken, (string?)JsonNode.Parse(rows[0].Spec)!["csharp"]!["source"]);
        Assert.Equal("Accepted", rows[1].State);
        Assert.Empty(rows[1].Diagnostics);
        Assert.Equal(Fixed, (string?)JsonNode.Parse(rows[1].Spec)!["csharp"]!["source"]);
        Assert.Equal("five", (string?)JsonNode.Parse(rows[1].Spec)!["tests"]![0]!["name"]);
        Assert.Equal(rows[1].Digest, (string?)accepted["digest"]);
    }
}
