using System.Globalization;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// Every model call is metered on the worker's /metrics: tokens by kind and their cost (from spec.model.pricing) match
/// what the tasks recorded, each request the model received is one observed call, and failures are counted by kind.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ModelUsageMetricsTests : IAsyncLifetime
{
    private const string Unpriced = "unpriced";
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(Script);
        await _env.PublishSkillAsync("calc-tools", AgentEnvironment.CalcSkill());
        var priced = AgentEnvironment.AgentSpec(_model, "Use your tools.", AgentEnvironment.SkillRefs("calc-tools"));
        // 2.50 per million input tokens and 10 per million output tokens.
        priced["model"]!["pricing"] = new JsonObject { ["inputPerMillionTokens"] = 2.5, ["outputPerMillionTokens"] = 10, ["currency"] = "EUR" };
        await _env.SetAgentAsync(PipelineEnvironment.Agent, priced);
        await _env.SetAgentAsync(Unpriced, AgentEnvironment.AgentSpec(_model, "Answer."));
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    private static ScriptedReply Script(JsonObject request)
    {
        var last = LastMessage(request);
        if (Text(last) == "refuse")
        {
            return ScriptedReply.Error(401, "bad key");
        }

        return (string?)last["role"] == "tool"
            ? ScriptedReply.Text("The sum is " + Text(last), promptTokens: 120, completionTokens: 30)
            : HasTools(request)
                ? ScriptedReply.ToolCalls(("calc_tools-Add", """{"a": 2, "b": 3}"""))
                : ScriptedReply.Text("fine", promptTokens: 40, completionTokens: 2);
    }

    [Fact]
    public async Task Tokens_cost_calls_and_failures_of_each_agents_model_are_counted()
    {
        var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var priced = await _env.RunAsync(_env.Chat("add 2 and 3"));
        Assert.True(priced.Status == TaskStates.Succeeded, priced.Error);
        var unpriced = await _env.RunAsync(_env.Chat("how are you", agent: Unpriced));
        Assert.True(unpriced.Status == TaskStates.Succeeded, unpriced.Error);
        var refused = await _env.RunAsync(_env.Chat("refuse", agent: Unpriced));
        Assert.Equal(TaskStates.Failed, refused.Status);

        var metrics = await worker.GetStringAsync("/metrics");
        var ns = _env.Namespace;
        string Labels(string agent, string extra) => $"namespace=\"{ns}\",agent=\"{agent}\",model=\"scripted-1\"{extra}";

        // The tool-call round trip and the answer: two calls, whose usage the task recorded as a whole.
        Assert.Equal(priced.PromptTokens, Value(metrics, "metaevolve_agent_tokens_total", Labels(PipelineEnvironment.Agent, ",kind=\"input\"")));
        Assert.Equal(priced.CompletionTokens, Value(metrics, "metaevolve_agent_tokens_total", Labels(PipelineEnvironment.Agent, ",kind=\"output\"")));
        var cost = (priced.PromptTokens * 2.5 + priced.CompletionTokens * 10) / 1_000_000;
        Assert.Equal(cost, Value(metrics, "metaevolve_agent_cost_total", Labels(PipelineEnvironment.Agent, ",currency=\"EUR\"")), precision: 12);
        Assert.Equal(2, Value(metrics, "metaevolve_model_call_duration_seconds_count", Labels(PipelineEnvironment.Agent, "")));

        // Without prices: tokens, no cost. A 401 is a failure of kind unauthorized, and still a call.
        Assert.Equal(40, Value(metrics, "metaevolve_agent_tokens_total", Labels(Unpriced, ",kind=\"input\"")));
        Assert.DoesNotContain($"metaevolve_agent_cost_total{{{Labels(Unpriced, "")}", metrics, StringComparison.Ordinal);
        Assert.Equal(1, Value(metrics, "metaevolve_model_errors_total", Labels(Unpriced, ",kind=\"unauthorized\"")));
        Assert.Equal(2, Value(metrics, "metaevolve_model_call_duration_seconds_count", Labels(Unpriced, "")));
        Assert.Equal(4, _model.Requests.Count);
    }

    /// <summary>A sample's value in the Prometheus text format; fails when the series is missing.</summary>
    private static double Value(string metrics, string name, string labels)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith($"{name}{{{labels}}} ", StringComparison.Ordinal));
        Assert.True(line is not null, $"no sample {name}{{{labels}}} in:\n{string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)))}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }
}
