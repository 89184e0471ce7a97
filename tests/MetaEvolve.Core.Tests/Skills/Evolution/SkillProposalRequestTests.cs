using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Evolution;

namespace MetaEvolve.Core.Tests.Skills.Evolution;

public sealed class SkillProposalRequestTests
{
    private const string Tests = """[{"name":"five","function":"Count","arguments":{"text":"hello","times":2},"expect":{"equals":"5"}}]""";

    private static Dictionary<string, string?> CSharp(string? tests = Tests) => new()
    {
        ["name"] = "letter-count",
        ["type"] = "CSharp",
        ["description"] = "Counts letters.",
        ["source"] = "public sealed class C {}",
        ["tests"] = tests,
    };

    private static List<string> Errors(Dictionary<string, string?> arguments)
    {
        Assert.Null(SkillProposalRequest.Parse(arguments, out var errors));
        Assert.All(errors, e => Assert.Equal(SkillDiagnosticCodes.ProposalInvalid, e.Code));
        return [.. errors.Select(e => e.Message)];
    }

    [Fact]
    public void Tests_given_as_a_JSON_string_are_read_into_the_Skill_test_shape()
    {
        var request = SkillProposalRequest.Parse(CSharp(), out var errors);

        Assert.Empty(errors);
        var test = Assert.Single(request!.TestCases());
        Assert.Equal(("five", "Count", "5"), (test.Label, test.Function, test.Expect.EqualTo));
        // The schema holds arguments as strings: a number keeps its JSON text.
        Assert.Equal("hello", test.Arguments["text"]);
        Assert.Equal("2", test.Arguments["times"]);
    }

    [Fact]
    public void The_spec_carries_the_content_the_version_and_the_agent_as_origin()
    {
        var spec = SkillProposalRequest.Parse(CSharp(), out _)!.ToSpec("1.0.1", "agent-a");

        Assert.Equal(
            """{"description":"Counts letters.","type":"CSharp","version":"1.0.1","csharp":{"source":"public sealed class C {}"},"tests":[{"name":"five","function":"Count","arguments":{"text":"hello","times":"2"},"expect":{"equals":"5"}}],"origin":{"authoredBy":"Agent","agentRef":{"name":"agent-a"}}}""",
            spec.ToJsonString());
    }

    [Fact]
    public void A_prompt_spec_is_stored_with_the_schema_defaults()
    {
        var request = SkillProposalRequest.Parse(new Dictionary<string, string?>
        {
            ["name"] = "summarize",
            ["type"] = "prompt",
            ["template"] = "Summarize: {{$text}}",
            ["inputVariables"] = """[{"name":"text","description":"The text."}]""",
            ["tests"] = """[{"function":"summarize","arguments":{"text":"a b"},"expect":{"contains":"a"}}]""",
        }, out var errors);

        Assert.Empty(errors);
        var prompt = request!.ToSpec("1.0.0", "agent-a")["prompt"]!;
        Assert.Equal("SemanticKernel", (string?)prompt["format"]);
        Assert.True((bool?)prompt["inputVariables"]![0]!["isRequired"]);
        Assert.Equal("summarize#1", Assert.Single(request.TestCases()).Label);
    }

    [Fact]
    public void Missing_tests_are_an_error() =>
        Assert.Contains(Errors(CSharp(tests: null)), e => e.StartsWith("tests are required", StringComparison.Ordinal));

    [Fact]
    public void An_empty_test_list_is_an_error() =>
        Assert.Contains("at least one test is required", Errors(CSharp(tests: "[]")));

    [Theory]
    [InlineData("not json", "tests is not JSON")]
    [InlineData("""{"function":"Count"}""", "tests must be a JSON array")]
    [InlineData("""[{"function":"Count","expect":{"equals":"1","contains":"1"}}]""", "tests[0].expect needs exactly one of equals, contains or matches")]
    [InlineData("""[{"expect":{"equals":"1"}}]""", "tests[0].function is required (1 to 128 characters)")]
    public void Malformed_tests_say_what_is_wrong(string tests, string error) =>
        Assert.Contains(Errors(CSharp(tests)), e => e.StartsWith(error, StringComparison.Ordinal));

    [Theory]
    [InlineData("Letter_Count")]
    [InlineData("-letters")]
    [InlineData("evolution")]
    public void The_name_must_be_a_free_DNS_label(string name)
    {
        var arguments = CSharp();
        arguments["name"] = name;

        Assert.Contains(Errors(arguments), e => e.StartsWith($"name '{name}'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_CSharp_skill_takes_source_and_not_a_template()
    {
        var arguments = CSharp();
        arguments.Remove("source");
        arguments["template"] = "x";

        Assert.Equal(["a CSharp skill needs source", "a CSharp skill takes source, not template"], Errors(arguments));
    }

    [Fact]
    public void Oversized_source_or_tests_are_found_before_parsing()
    {
        var arguments = CSharp();
        Assert.Null(SkillProposalRequest.CheckSize(arguments));

        arguments["source"] = new string('x', ProposalLimits.MaxSourceBytes + 1);
        Assert.Equal($"source is {ProposalLimits.MaxSourceBytes + 1} bytes; the limit is {ProposalLimits.MaxSourceBytes} bytes", SkillProposalRequest.CheckSize(arguments));
    }
}
