namespace MetaEvolve.Cli.Tests;

public sealed class SkillTestCommandTests
{
    [Fact]
    public async Task Passing_tests_exit_0_and_print_each_result()
    {
        var file = CliRun.Manifest("passing.yaml");

        var run = await CliRun.SkillTestAsync(file);

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"{file}: compiled text-stats (sha256:", run.Lines[0], StringComparison.Ordinal);
        Assert.Equal(["PASS counts words", "1 passed, 0 failed, 0 stopped, 0 skipped"], run.Lines.Skip(1));
    }

    [Fact]
    public async Task A_failed_expectation_or_a_throwing_function_exits_1()
    {
        var run = await CliRun.SkillTestAsync(CliRun.Manifest("failing.yaml"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            [
                "PASS counts words",
                "FAIL wrong expectation: expected result that equals \"4\", got \"3\"",
                "FAIL throws: the function threw InvalidOperationException: boom: x",
                "1 passed, 2 failed, 0 stopped, 0 skipped",
            ],
            run.Lines.Skip(1));
    }

    [Fact]
    public async Task Policy_violations_exit_2_with_positions_inside_the_yaml_file()
    {
        var file = CliRun.Manifest("policy-violation.yaml");

        var run = await CliRun.SkillTestAsync(file);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            [
                $"{file}:9:17: error SBX001: 'System.IO.File' is not allowed in skills (file system)",
                $"{file}:16:22: error SBX001: 'System.IO.File.ReadAllText(string)' is not allowed in skills (file system)",
            ],
            run.Lines);
        var lines = await File.ReadAllLinesAsync(file, TestContext.Current.CancellationToken);
        Assert.StartsWith("System.IO.File;", lines[8][16..], StringComparison.Ordinal);
        Assert.StartsWith("global::System.IO.File.ReadAllText", lines[15][21..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_errors_exit_2_with_the_compiler_code_and_position()
    {
        var file = CliRun.Manifest("compile-error.yaml");

        var run = await CliRun.SkillTestAsync(file);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal([$"{file}:12:31: error CS0103: The name 'undefinedName' does not exist in the current context"], run.Lines);
    }

    [Fact]
    public async Task A_test_stopped_by_its_time_limit_exits_3()
    {
        var run = await CliRun.SkillTestAsync(CliRun.Manifest("infinite-loop.yaml"), "--timeout-ms", "300");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal(
            ["PASS fine", "STOP spins forever: skill call stopped: time limit of 300 ms exceeded", "1 passed, 0 failed, 1 stopped, 0 skipped"],
            run.Lines.Skip(1));
    }

    [Fact]
    public async Task A_template_that_does_not_parse_exits_2_at_the_bad_block()
    {
        var file = CliRun.Manifest("bad-template.yaml");

        var run = await CliRun.SkillTestAsync(file);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal([$"{file}:10:9: error TPL001: invalid template block {{{{ $input $extra }}}}: Invalid token detected after the variable: $input $extra"], run.Lines);
    }

    [Fact]
    public async Task Prompt_tests_without_a_model_are_skipped_after_rendering()
    {
        var run = await CliRun.SkillTestAsync(CliRun.Manifest("prompt.yaml"));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            [
                "SKIP keeps the subject: prompt skills need a model to test; pass --model-endpoint (the prompt rendered, 66 characters)",
                "0 passed, 0 failed, 0 stopped, 1 skipped",
            ],
            run.Lines.Skip(1));
    }

    [Fact]
    public async Task Prompt_tests_run_against_an_openai_compatible_endpoint()
    {
        await using var model = await ScriptedChatModel.StartAsync("MetaEvolve runs agents.");

        var run = await CliRun.SkillTestAsync(CliRun.Manifest("prompt.yaml"), "--model-endpoint", model.Endpoint.ToString(), "--model", "test-model");

        Assert.True(run.ExitCode == 0, run.Error + string.Join("\n", run.Lines));
        Assert.Equal(["PASS keeps the subject", "1 passed, 0 failed, 0 stopped, 0 skipped"], run.Lines.Skip(1));
        var request = Assert.Single(model.Requests);
        Assert.Contains("Summarize in 2 sentences: MetaEvolve runs AI agents on Kubernetes.", request, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"test-model\"", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_of_another_kind_exits_2()
    {
        var file = CliRun.Manifest("not-a-skill.yaml");

        var run = await CliRun.SkillTestAsync(file);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            [
                $"{file}:1:13: error FieldValueNotSupported: apiVersion: Unsupported value: \"v1\": supported values: \"metaevolve.io/v1alpha1\"",
                $"{file}:2:7: error FieldValueNotSupported: kind: Unsupported value: \"ConfigMap\": supported values: \"Skill\"",
            ],
            run.Lines);
    }

    [Fact]
    public async Task Schema_and_cel_violations_exit_2_from_the_shared_validator()
    {
        var file = CliRun.Manifest("schema-invalid.yaml");

        var run = await CliRun.SkillTestAsync(file);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{file}:4:9: error FieldValueInvalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", run.Lines[0], StringComparison.Ordinal);
        Assert.Contains($"{file}:6:3: error FieldValueInvalid: spec.csharp: Invalid value: \"object\": type CSharp requires csharp and forbids prompt", run.Lines);
        Assert.Contains($"{file}:12:9: error FieldValueInvalid: spec.tests[0].expect: Invalid value: \"object\": exactly one of equals, contains or matches must be set", run.Lines);
    }

    [Fact]
    public async Task Broken_yaml_exits_2_with_its_position()
    {
        var file = CliRun.Manifest("broken-yaml.yaml");

        var run = await CliRun.SkillTestAsync(file);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"{file}:4:1: error YAML: ", Assert.Single(run.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_or_bad_usage_exits_2()
    {
        var missing = await CliRun.SkillTestAsync("/nonexistent/skill.yaml");
        var usage = await CliRun.SkillTestAsync(CliRun.Manifest("passing.yaml"), "--no-such-option");

        Assert.Equal((2, "/nonexistent/skill.yaml: error IO: file not found"), (missing.ExitCode, Assert.Single(missing.Lines)));
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--no-such-option", usage.Error, StringComparison.Ordinal);
    }
}
