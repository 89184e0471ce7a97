using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using static MetaEvolve.AgentRuntime.Tests.Agents.ChatRequest;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>An agent chats through Semantic Kernel's OpenAI connector with a scripted model and calls its skills as tools.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class AgentChatTests : IAsyncLifetime
{
    private const string Instructions = "You are a careful calculator. Use your tools.";
    private readonly AgentEnvironment _env = new();
    private ScriptedModelServer _model = null!;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _model = new ScriptedModelServer(Script);
        await _env.PublishSkillAsync("calc-tools", AgentEnvironment.CalcSkill());
        await _env.PublishSkillAsync("summarize-text", AgentEnvironment.SummarizeSkill());
        await _env.SetAgentAsync(PipelineEnvironment.Agent, AgentEnvironment.AgentSpec(_model, Instructions, AgentEnvironment.SkillRefs("calc-tools", "summarize-text")));
    }

    public async ValueTask DisposeAsync()
    {
        await _env.DisposeAsync();
        await _model.DisposeAsync();
    }

    private static ScriptedReply Script(JsonObject request)
    {
        if (!HasTools(request))
        {
            // The prompt skill's own model call: a rendered template, no tools.
            return ScriptedReply.Text("one-line summary", promptTokens: 7, completionTokens: 3);
        }

        var last = LastMessage(request);
        if ((string?)last["role"] == "tool")
        {
            var results = Messages(request).Where(m => (string?)m!["role"] == "tool").Select(Text);
            return ScriptedReply.Text("Results: " + string.Join(" | ", results));
        }

        return Text(last) == "hello"
            ? ScriptedReply.Text("hi there")
            : ScriptedReply.ToolCalls(("calc_tools-Add", """{"a": 2, "b": 3}"""), ("summarize_text-summarize_text", """{"text": "a long story"}"""));
    }

    [Fact]
    public async Task Agent_calls_a_CSharp_and_a_prompt_skill_and_records_answer_and_usage()
    {
        var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var first = await _env.RunAsync(_env.Chat("hello", thread: "th-1"));
        Assert.Equal(TaskStates.Succeeded, first.Status);
        Assert.Equal("hi there", (string?)AgentEnvironment.Output(first)["answer"]);

        var second = await _env.RunAsync(_env.Chat("add 2 and 3, then summarize a long story", thread: "th-1"));
        Assert.True(second.Status == TaskStates.Succeeded, second.Error);
        var output = AgentEnvironment.Output(second);
        Assert.Equal("Results: 5 | one-line summary", (string?)output["answer"]);
        Assert.Equal(["calc_tools.Add", "summarize_text.summarize_text"], output["toolCalls"]!.AsArray().Select(c => (string)c!["function"]!).Order());
        Assert.All(output["toolCalls"]!.AsArray(), c => Assert.Null((string?)c!["error"]));
        // Tool-call round trip (20/8) + the prompt skill's own call (7/3) + the final answer (10/5).
        Assert.Equal(37, second.PromptTokens);
        Assert.Equal(16, second.CompletionTokens);

        var requests = _model.Requests.ToList();
        var toolRequest = requests.Single(r => HasTools(r) && Text(LastMessage(r)).StartsWith("add 2", StringComparison.Ordinal));
        var messages = Messages(toolRequest);
        Assert.Equal("system", (string?)messages[0]!["role"]);
        Assert.Equal(Instructions, Text(messages[0]));
        // The thread's earlier turn, in order, before the new message.
        Assert.Equal(["system:" + Instructions, "user:hello", "assistant:hi there", "user:add 2 and 3, then summarize a long story"],
            messages.Select(m => $"{(string?)m!["role"]}:{Text(m)}"));
        Assert.Equal("scripted-1", (string?)toolRequest["model"]);
        Assert.Equal(["calc_tools-Add", "calc_tools-Explode", "summarize_text-summarize_text"], ToolNames(toolRequest).Order());
        var add = toolRequest["tools"]!.AsArray().Single(t => (string?)t!["function"]!["name"] == "calc_tools-Add")!["function"]!;
        Assert.Equal("Adds two integers.", (string?)add["description"]);
        Assert.Equal("integer", (string?)add["parameters"]!["properties"]!["a"]!["type"]);
        Assert.Equal(["a", "b"], add["parameters"]!["required"]!.AsArray().Select(n => (string)n!).Order());

        var nested = requests.Single(r => !HasTools(r));
        Assert.Equal("Summarize in one line: a long story", Text(LastMessage(nested)));

        var final = requests.Single(r => (string?)LastMessage(r)["role"] == "tool");
        Assert.Equal(["5", "one-line summary"], Messages(final).Where(m => (string?)m!["role"] == "tool").Select(Text).Order());

        Assert.All(_model.Authorizations, a => Assert.Equal("Bearer " + AgentEnvironment.ApiKey, a));
        Assert.DoesNotContain(AgentEnvironment.ApiKey, worker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_call_runs_a_skill_function_without_the_model()
    {
        var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);
        var record = await _env.RunAsync(_env.Call("calc-tools", "Add", """{"a": 40, "b": 2}"""));
        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        Assert.Equal("42", (string?)AgentEnvironment.Output(record)["result"]);
        Assert.Empty(_model.Requests);
    }

    [Fact]
    public async Task Chat_task_for_an_agent_without_a_model_fails_with_a_clear_error()
    {
        var spec = AgentEnvironment.AgentSpec(_model, Instructions, AgentEnvironment.SkillRefs("calc-tools"));
        spec.Remove("model");
        await _env.SetAgentAsync(PipelineEnvironment.Agent, spec);
        var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var chat = await _env.RunAsync(_env.Chat("hello"));
        Assert.Equal(TaskStates.Failed, chat.Status);
        Assert.Equal($"agent '{_env.Namespace}/{PipelineEnvironment.Agent}' has no model (spec.model), so it cannot take chat tasks; it runs direct skill calls only", chat.Error);
        var call = await _env.RunAsync(_env.Call("calc-tools", "Add", """{"a": 1, "b": 1}"""));
        Assert.Equal("2", (string?)AgentEnvironment.Output(call)["result"]);
    }

    [Fact]
    public async Task Azure_OpenAI_agent_calls_its_deployment_through_the_Azure_connector()
    {
        var spec = AgentEnvironment.AgentSpec(_model, Instructions, AgentEnvironment.SkillRefs("calc-tools", "summarize-text"));
        spec["model"]!["provider"] = "AzureOpenAI";
        spec["model"]!["model"] = "gpt-deploy";
        spec["model"]!["endpoint"] = $"http://127.0.0.1:{_model.Port}/";
        await _env.SetAgentAsync(PipelineEnvironment.Agent, spec);
        var worker = _env.StartWorker();
        await worker.WaitReadyAsync(ServiceStartup.Limit);

        var record = await _env.RunAsync(_env.Chat("hello"));
        Assert.True(record.Status == TaskStates.Succeeded, record.Error);
        Assert.Equal("hi there", (string?)AgentEnvironment.Output(record)["answer"]);
        var (path, apiKey) = Assert.Single(_model.Calls);
        Assert.StartsWith("/openai/deployments/gpt-deploy/chat/completions?api-version=", path, StringComparison.Ordinal);
        Assert.Equal(AgentEnvironment.ApiKey, apiKey);
    }
}
