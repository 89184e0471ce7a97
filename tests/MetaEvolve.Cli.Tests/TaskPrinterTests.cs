using System.Text.Json;
using MetaEvolve.Cli.Tasks;

namespace MetaEvolve.Cli.Tests;

/// <summary>What <c>--wait</c> prints for a finished task: the part a person asked for, not the whole output.</summary>
public class TaskPrinterTests
{
    [Theory]
    [InlineData("""{"result": "5", "skill": {"name": "letter-count", "version": "1.0.0", "digest": "sha256:ab"}}""", "5")]
    [InlineData("""{"answer": "Hello.", "toolCalls": [], "skills": {}}""", "Hello.")]
    [InlineData("""{"message": "hi"}""", """{"message": "hi"}""")]
    public async Task A_succeeded_task_prints_its_result_or_answer_else_its_output(string taskOutput, string printed)
    {
        using var task = JsonDocument.Parse($$"""{"id": "0193a1b2-0000-7000-8000-000000000000", "status": "succeeded", "output": {{taskOutput}}}""");
        using var output = new StringWriter();

        await new TaskPrinter(output, json: false).ResultAsync(task.RootElement);

        Assert.Equal(printed + Environment.NewLine, output.ToString());
    }

    [Fact]
    public async Task A_list_shows_the_region_column_only_when_tasks_have_regions()
    {
        using var plain = JsonDocument.Parse(ListJson(region: null));
        using var federated = JsonDocument.Parse(ListJson(region: "\"b\""));
        using var withoutRegion = new StringWriter();
        using var withRegion = new StringWriter();

        await new TaskPrinter(withoutRegion, json: false).ListAsync(plain.RootElement);
        await new TaskPrinter(withRegion, json: false).ListAsync(federated.RootElement);

        Assert.StartsWith("ID\tAGENT\tSTATUS\tATTEMPTS\tCREATED" + Environment.NewLine, withoutRegion.ToString(), StringComparison.Ordinal);
        Assert.Equal("ID\tAGENT\tSTATUS\tATTEMPTS\tREGION\tCREATED", withRegion.ToString().Split(Environment.NewLine)[0]);
        Assert.Equal("0193a1b2-0000-7000-8000-000000000000\tagent-a\tsucceeded\t1\tb\t2026-01-01T00:00:00+00:00", withRegion.ToString().Split(Environment.NewLine)[1]);
    }

    [Fact]
    public async Task Details_name_the_region_that_ran_a_task_and_where_it_was_submitted()
    {
        using var task = JsonDocument.Parse(TaskJson("\"b\"", "\"a\""));
        using var output = new StringWriter();

        await new TaskPrinter(output, json: false).DetailAsync(task.RootElement);

        Assert.Contains("region:    b (submitted in a)" + Environment.NewLine, output.ToString(), StringComparison.Ordinal);
    }

    private static string ListJson(string? region) => $"[{TaskJson(region ?? "null", region is null ? "null" : "\"a\"")}]";

    private static string TaskJson(string region, string submittedRegion) => $$$"""
        {"id": "0193a1b2-0000-7000-8000-000000000000", "namespace": "default", "agent": "agent-a", "pool": "p", "status": "succeeded",
         "attempts": 1, "deadLettered": false, "region": {{{region}}}, "submittedRegion": {{{submittedRegion}}},
         "usage": {"promptTokens": 0, "completionTokens": 0}, "timings": {"createdAt": "2026-01-01T00:00:00+00:00"}}
        """;
}
