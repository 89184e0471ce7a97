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
}
