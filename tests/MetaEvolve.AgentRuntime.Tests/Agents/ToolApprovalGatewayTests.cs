using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// A parked task through the public surfaces: the built <c>metaevolve</c> CLI (by path: exit codes cross the process
/// boundary) and the gateway's approve endpoint, scope and SSE <c>approval</c> event. Needs
/// <c>dotnet build cli/MetaEvolve.Cli</c>.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ToolApprovalGatewayTests : IAsyncLifetime
{
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(request => (string?)LastMessage(request)["role"] == "tool"
            ? ScriptedReply.Text("Result: " + Text(LastMessage(request)))
            : ScriptedReply.ToolCalls(("calc_tools-Add", """{"a": 2, "b": 3}""")));
        await _env.PublishSkillAsync("calc-tools", AgentEnvironment.CalcSkill());
        var spec = AgentEnvironment.AgentSpec(_model, "Use your tools.", AgentEnvironment.SkillRefs("calc-tools"));
        spec["requireApproval"] = new JsonArray("calc-tools.*");
        await _env.SetAgentAsync(PipelineEnvironment.Agent, spec);
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    [Fact]
    public async Task Wait_exits_5_with_the_pending_call_and_approve_needs_the_approve_scope()
    {
        await using var worker = _env.StartWorker(concurrency: 1);
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        await using var gateway = await AgentGateway.StartAsync(_env);

        var (exit, output) = await CliAsync(gateway, gateway.ApproverKey, "submit", PipelineEnvironment.Agent, "add 2 and 3", "--wait");
        Assert.True(exit == 5, output);
        var id = output.Split(' ')[0];
        Assert.True(Guid.TryParse(id, out var taskId), output);
        Assert.Contains("awaiting_approval: calc_tools.Add {", output, StringComparison.Ordinal);
        Assert.Contains($"metaevolve tasks approve {id}", output, StringComparison.Ordinal);

        // The task's events start with what a person must decide on.
        using (var approver = gateway.Process.Client(gateway.ApproverKey))
        {
            var approval = await FirstApprovalEventAsync(approver, taskId);
            Assert.Equal(id, approval.GetProperty("taskId").GetString());
            Assert.Equal("calc_tools.Add", approval.GetProperty("approval").GetProperty("function").GetString());
            Assert.Equal(["a", "b"], approval.GetProperty("approval").GetProperty("arguments").EnumerateObject().Select(p => p.Name).Order());
        }

        // A key without the approve scope is refused, and the task still waits.
        using (var submitter = gateway.Process.Client(gateway.Key))
        using (var refused = await submitter.PostAsync(new Uri($"/v1/tasks/{id}/approve", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("lacks the 'approve' scope", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        (exit, output) = await CliAsync(gateway, gateway.ApproverKey, "tasks", "get", id);
        Assert.True(exit == 0, output);
        Assert.Contains("status:    awaiting_approval", output, StringComparison.Ordinal);
        Assert.Contains("approval:  calc_tools.Add {", output, StringComparison.Ordinal);

        (exit, output) = await CliAsync(gateway, gateway.ApproverKey, "tasks", "approve", id);
        Assert.True(exit == 0, output);
        (exit, output) = await CliAsync(gateway, gateway.ApproverKey, "tasks", "get", id, "--wait");
        Assert.True(exit == 0, output);
        Assert.Contains("status:    succeeded", output, StringComparison.Ordinal);
        Assert.Contains("output:    Result: 5", output, StringComparison.Ordinal);
        Assert.Contains("approval:  calc_tools.Add {", output, StringComparison.Ordinal);
        Assert.Contains("— approved by approver", output, StringComparison.Ordinal);

        // Deciding on a task that no longer waits is a conflict (exit 2, refused).
        (exit, output) = await CliAsync(gateway, gateway.ApproverKey, "tasks", "reject", id, "--reason", "too late");
        Assert.True(exit == 2, output);
        Assert.Contains("not awaiting approval", output, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> FirstApprovalEventAsync(HttpClient client, Guid id)
    {
        using var response = await client.GetAsync(new Uri($"/v1/tasks/{id:D}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
                if (name == "approval")
                {
                    return data;
                }

                Assert.NotEqual("end", name);
            }
        }

        throw new InvalidOperationException("the event stream ended without an approval event");
    }

    /// <summary>The built CLI, started by path; its exit code and everything it wrote.</summary>
    private async Task<(int Exit, string Output)> CliAsync(AgentGateway gateway, string key, params string[] args)
    {
        var cli = RepositoryRoot.Combine("cli", "MetaEvolve.Cli", "bin", BuiltServices.Configuration, "net10.0", "metaevolve.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[cli, .. args, "--gateway-url", gateway.BaseAddress.ToString(), "--api-key", key, "-n", _env.Namespace])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}
