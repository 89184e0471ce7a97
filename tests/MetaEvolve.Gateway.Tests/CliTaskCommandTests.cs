using System.Text.Json;
using MetaEvolve.Cli;
using MetaEvolve.Testing;

namespace MetaEvolve.Gateway.Tests;

/// <summary>The <c>metaevolve</c> task commands, in process, against real gateways and a real worker.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class CliTaskCommandTests(WorkerGatewayEnvironment env) : IClassFixture<WorkerGatewayEnvironment>
{
    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] connection = ["--gateway-url", env.Gateways[0].BaseAddress!.ToString(), "--api-key", env.Key, "-n", env.Namespace];
        var exit = await MetaEvolveCommand.RunAsync([.. args, .. connection], output, error, TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Call_with_wait_prints_the_skill_result()
    {
        var (exit, output, error) = await RunAsync("call", GatewayEnvironment.Agent, "system.echo", "text=hello world", "n=5", "--wait");
        Assert.True(exit == 0, error);
        using var result = JsonDocument.Parse(output);
        Assert.Equal("hello world", result.RootElement.GetProperty("text").GetString());
        Assert.Equal(5, result.RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Submitting_to_an_agent_whose_pool_has_no_consumer_says_which_pool()
    {
        var (exit, _, error) = await RunAsync("call", GatewayEnvironment.OrphanAgent, "system.echo", "text=x");

        Assert.NotEqual(0, exit);
        Assert.Contains($"pool {env.Namespace}/{GatewayEnvironment.PoolWithoutConsumer} has no consumer", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_prints_the_id_and_tasks_get_waits_for_it()
    {
        var (exit, output, error) = await RunAsync("call", GatewayEnvironment.Agent, "system.sleep", "ms=200");
        Assert.True(exit == 0, error);
        var id = output.Split('\t')[0].Trim();
        Assert.True(Guid.TryParse(id, out _), output);

        (exit, output, error) = await RunAsync("tasks", "get", id, "--wait", "-o", "json");
        Assert.True(exit == 0, error);
        using var task = JsonDocument.Parse(output);
        Assert.Equal("succeeded", task.RootElement.GetProperty("status").GetString());

        (exit, output, _) = await RunAsync("tasks", "list", "--status", "succeeded");
        Assert.Equal(0, exit);
        Assert.Contains(id, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_task_exits_1_with_its_error()
    {
        var (exit, output, _) = await RunAsync("call", GatewayEnvironment.Agent, "system.fail", "message=boom", "--wait");
        Assert.Equal(1, exit);
        Assert.Contains("boom", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_agent_exits_2_naming_it()
    {
        var (exit, _, error) = await RunAsync("submit", "nobody", "hello");
        Assert.Equal(2, exit);
        Assert.Contains("404 Unknown agent", error, StringComparison.Ordinal);
        Assert.Contains("nobody", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_of_a_finished_task_exits_2_with_the_conflict()
    {
        var (_, output, _) = await RunAsync("call", GatewayEnvironment.Agent, "system.echo", "--wait", "-o", "json");
        var (exit, listed, _) = await RunAsync("tasks", "list", "-o", "json", "--limit", "1");
        Assert.Equal(0, exit);
        var id = JsonDocument.Parse(listed).RootElement[0].GetProperty("id").GetString()!;
        var (cancelExit, _, error) = await RunAsync("tasks", "cancel", id);
        Assert.Equal(2, cancelExit);
        Assert.Contains("409", error, StringComparison.Ordinal);
        Assert.NotEmpty(output);
    }
}
