using System.Globalization;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Budgets;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using StackExchange.Redis;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// Budgets are enforced by real worker processes around each model call, against the scripted model's reported usage:
/// a task or a day at its limit fails with a <c>budget:</c> error naming the limit, and the model sees no further
/// request. Every plain answer here uses 40 + 2 = 42 tokens, a tool-call round 20 + 8 = 28.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class BudgetTests : IAsyncLifetime
{
    private const string Other = "other";
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(Script);
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    private static ScriptedReply Script(JsonObject request) =>
        (string?)LastMessage(request)["role"] != "tool" && HasTools(request)
            ? ScriptedReply.ToolCalls(("calc_tools-Add", """{"a": 2, "b": 3}"""))
            : ScriptedReply.Text("fine", promptTokens: 40, completionTokens: 2);

    private Task SetAgentAsync(string name, JsonObject? budget = null, JsonObject? namespaceBudget = null, JsonArray? skills = null)
    {
        var spec = AgentEnvironment.AgentSpec(_model, "Answer.", skills);
        if (budget is not null)
        {
            spec["budget"] = budget;
        }

        if (namespaceBudget is not null)
        {
            // What the operator projects from the Namespace's metaevolve.io/max-tokens-per-day annotation.
            spec["namespaceBudget"] = namespaceBudget;
        }

        return _env.SetAgentAsync(name, spec);
    }

    [Fact]
    public async Task A_task_that_reaches_maxTokensPerTask_stops_with_a_budget_error_and_makes_no_further_model_call()
    {
        await _env.PublishSkillAsync("calc-tools", AgentEnvironment.CalcSkill());
        await SetAgentAsync(PipelineEnvironment.Agent, new JsonObject { ["maxTokensPerTask"] = 25 }, skills: AgentEnvironment.SkillRefs("calc-tools"));
        await using var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        // The tool-call round uses 28 tokens: the tool still runs, but the answer round is never requested.
        var task = await _env.RunAsync(_env.Chat("add 2 and 3"));

        Assert.Equal(TaskStates.Failed, task.Status);
        Assert.StartsWith($"budget: maxTokensPerTask (25) of agent {_env.Namespace}/{PipelineEnvironment.Agent} reached: the task used 28 tokens", task.Error, StringComparison.Ordinal);
        Assert.Single(_model.Requests);
        Assert.Equal(1, Metric(await worker.GetStringAsync("/metrics"), PipelineEnvironment.Agent, "maxTokensPerTask"));
    }

    [Fact]
    public async Task Workers_share_the_day_counter_and_a_day_at_maxTokensPerDay_fails_the_next_task_without_a_model_call()
    {
        await SetAgentAsync(PipelineEnvironment.Agent, new JsonObject { ["maxTokensPerDay"] = 100 });
        var first = _env.StartWorker();
        await first.WaitReadyAsync(ServiceStartup.Limit);
        foreach (var message in new[] { "one", "two" })
        {
            var done = await _env.RunAsync(_env.Chat(message));
            Assert.True(done.Status == TaskStates.Succeeded, done.Error);
        }

        await first.DisposeAsync();

        // Another worker process continues the same day's count: 84 used, the third answer brings it to 126.
        await using var second = _env.StartWorker();
        await second.WaitReadyAsync(ServiceStartup.Limit);
        var dayBefore = Today();
        var passing = await _env.RunAsync(_env.Chat("three"));
        Assert.Equal(TaskStates.Failed, passing.Status);
        Assert.Equal(3, _model.Requests.Count);

        var refused = await _env.RunAsync(_env.Chat("four"));
        Assert.Equal(TaskStates.Failed, refused.Status);
        Assert.Equal(3, _model.Requests.Count);
        var day = Today();
        var expected = $"budget: maxTokensPerDay (100) of agent {_env.Namespace}/{PipelineEnvironment.Agent} reached: 126 tokens used on {day} (UTC)";
        Assert.True(passing.Error == expected || passing.Error == expected.Replace(day, dayBefore, StringComparison.Ordinal), passing.Error);
        Assert.Equal(passing.Error, refused.Error);
        Assert.Equal(2, Metric(await second.GetStringAsync("/metrics"), PipelineEnvironment.Agent, "maxTokensPerDay"));

        // The counter lives under the namespace's budget keys, named by the UTC day, and expires after about two days.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_env.Pipeline.Connections.Redis);
        var key = BudgetCounterKeys.Agent(_env.RedisPrefix, _env.Namespace, PipelineEnvironment.Agent, day);
        Assert.Equal(126, (long)await redis.GetDatabase().HashGetAsync(key, BudgetCounterKeys.TokensField));
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(1.9), BudgetCounterKeys.Retention);
    }

    [Fact]
    public async Task The_namespace_ceiling_caps_the_sum_of_its_agents()
    {
        var ceiling = new JsonObject { ["maxTokensPerDay"] = 100 };
        await SetAgentAsync(PipelineEnvironment.Agent, namespaceBudget: ceiling);
        await SetAgentAsync(Other, namespaceBudget: ceiling.DeepClone().AsObject());
        await using var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        Assert.Equal(TaskStates.Succeeded, (await _env.RunAsync(_env.Chat("one"))).Status);
        Assert.Equal(TaskStates.Succeeded, (await _env.RunAsync(_env.Chat("two", agent: Other))).Status);
        var passing = await _env.RunAsync(_env.Chat("three", agent: Other));
        Assert.Equal(TaskStates.Failed, passing.Status);
        Assert.StartsWith($"budget: metaevolve.io/max-tokens-per-day (100) of namespace {_env.Namespace} reached: 126 tokens by its agents used on ", passing.Error, StringComparison.Ordinal);

        // The other agent has no limit of its own, and still makes no call.
        var refused = await _env.RunAsync(_env.Chat("four"));
        Assert.Equal(TaskStates.Failed, refused.Status);
        Assert.StartsWith("budget: metaevolve.io/max-tokens-per-day (100)", refused.Error, StringComparison.Ordinal);
        Assert.Equal(3, _model.Requests.Count);
        Assert.Equal(1, Metric(await worker.GetStringAsync("/metrics"), PipelineEnvironment.Agent, "namespaceMaxTokensPerDay"));
    }

    private static string Today() => BudgetCounterKeys.Day(DateTimeOffset.UtcNow);

    private double Metric(string metrics, string agent, string limit)
    {
        var series = $"metaevolve_budget_stops_total{{namespace=\"{_env.Namespace}\",agent=\"{agent}\",limit=\"{limit}\"}} ";
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(series, StringComparison.Ordinal));
        Assert.True(line is not null, $"no {series} in:\n{string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("metaevolve_budget", StringComparison.Ordinal)))}");
        return double.Parse(line[series.Length..], CultureInfo.InvariantCulture);
    }
}
