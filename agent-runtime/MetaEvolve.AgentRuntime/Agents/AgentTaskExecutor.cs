using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MetaEvolve.AgentRuntime.Agents.Evolution;
using MetaEvolve.AgentRuntime.Execution;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Skills.Sandbox;
using MetaEvolve.Core.Tasks;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Runs agent tasks on the agent's current snapshot: chat messages through the model with automatic function
/// calling over the agent's skills (bounded by maxIterations, history from thread memory), and direct calls of a
/// skill function without a model. Output: <c>{"answer", "toolCalls", "skills"}</c> for chat,
/// <c>{"result", "skill"}</c> for direct calls; token usage goes to the task's columns. With
/// <see cref="AgentOptions.Streaming"/> a chat answer streams: its text is relayed to listeners as it arrives
/// (<see cref="AnswerRelay"/>) and the answer recorded is all the text the model streamed.
/// A call of a function in <c>spec.requireApproval</c> parks the task (<see cref="TaskParkedException"/>) with its
/// conversation; the run that resumes it (<see cref="TaskEnvelope.Resume"/>) reads the conversation and the decision
/// back from the store and answers the pending call before the model continues.
/// </summary>
public sealed class AgentTaskExecutor(AgentCatalog catalog, ThreadMemory memory, AgentOptions options, ISkillExecutor executor, AnswerRelay relay, TaskApprovals approvals) : ITaskExecutor
{
    public async ValueTask<TaskOutput> ExecuteAsync(TaskExecution task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var envelope = task.Envelope;
        AgentLease lease;
        try
        {
            lease = await catalog.AcquireAsync(envelope.Namespace, envelope.Agent, cancellationToken);
        }
        catch (Exception exception) when (exception is AgentNotFoundException or SkillUnavailableException or ModelConfigurationException or FormatException)
        {
            throw new TaskFailedException($"agent '{envelope.Namespace}/{envelope.Agent}' cannot run: {exception.Message}", transient: false);
        }

        // The task's model tokens so far and the budget that stopped it, for the agent's BudgetGuard.
        using var budget = TaskBudgetScope.Begin();
        using (lease)
        {
            return envelope.Input.Call is { } call
                ? await CallAsync(lease.Snapshot, envelope, call, cancellationToken)
                : await ChatAsync(lease.Snapshot, envelope, task.Attempt, cancellationToken);
        }
    }

    private async Task<TaskOutput> ChatAsync(AgentSnapshot agent, TaskEnvelope envelope, int attempt, CancellationToken cancellationToken)
    {
        var definition = agent.Definition;
        if (agent.Chat is null || definition.Model is null)
        {
            throw new TaskFailedException(
                $"agent '{definition.Namespace}/{definition.Name}' has no model (spec.model), so it cannot take chat tasks; it runs direct skill calls only",
                transient: false);
        }

        var message = envelope.Input.Message;
        if (string.IsNullOrEmpty(message))
        {
            throw new TaskFailedException("a chat task needs input.message", transient: false);
        }

        // A resumed task continues the conversation it parked with; the thread's memory was read when it started.
        var (parked, approval) = envelope.Resume > 0 ? await LoadParkedAsync(envelope.Id, cancellationToken) : (null, null);
        var history = parked?.ToHistory() ?? await NewHistoryAsync(definition, envelope, message);
        if (parked is not null)
        {
            TaskBudgetScope.Current?.Add(parked.PromptTokens + parked.CompletionTokens);
        }

        var gate = new ApprovalGate(definition.Approval);
        var recorder = new ToolCallRecorder(Math.Max(1, definition.MaxIterations - (parked?.RoundTrips ?? 0)), parked?.ToolCalls);
        var kernel = agent.Kernel.Clone();
        EvolutionPlugin.AttachTask(kernel, envelope.Id);
        // The gate first: a call it holds back reaches neither the recorder nor the tool.
        kernel.AutoFunctionInvocationFilters.Add(gate);
        kernel.AutoFunctionInvocationFilters.Add(recorder);
        kernel.FunctionInvocationFilters.Add(recorder);
        var settings = new OpenAIPromptExecutionSettings
        {
            Temperature = definition.Model.Temperature,
            MaxTokens = definition.Model.MaxTokens,
            FunctionChoiceBehavior = kernel.Plugins.Count > 0 ? FunctionChoiceBehavior.Auto() : null,
        };

        string answer;
        int prompt, completion;
        using (new SkillCallOptions(options.SkillLimits, cancellationToken).Use())
        {
            if (parked is not null && await AnswerPendingAsync(kernel, history, parked, approval, gate, recorder, cancellationToken) is { } waiting)
            {
                throw Park(definition, history, new HashSet<string>(), waiting, parked.PromptTokens + recorder.PromptTokens, parked.CompletionTokens + recorder.CompletionTokens, recorder);
            }

            var firstNew = history.Count;
            try
            {
                (answer, prompt, completion) = options.Streaming
                    ? await StreamAsync(agent.Chat, history, settings, kernel, envelope.Id, attempt, cancellationToken)
                    : await AnswerAsync(agent.Chat, history, settings, kernel, firstNew, cancellationToken);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not TaskFailedException)
            {
                throw await BudgetStop() is { } stopped
                    ? new TaskFailedException(stopped.Message, transient: false)
                    : ModelFailure.Describe(exception, definition.Model, options);
            }
        }

        // The last answer may have reached a limit: the model was not called again, and the task stops.
        if (await BudgetStop() is { } exceeded)
        {
            throw new TaskFailedException(exceeded.Message, transient: false);
        }

        prompt += parked?.PromptTokens ?? 0;
        completion += parked?.CompletionTokens ?? 0;
        if (gate.Pending is { } pending)
        {
            var call = new ParkedCall(pending.Id ?? "", pending.PluginName, pending.FunctionName, ParkedConversation.ArgumentsJson(pending.Arguments));
            throw Park(definition, history, gate.NotRun, call, prompt + recorder.PromptTokens, completion + recorder.CompletionTokens, recorder);
        }

        if (recorder.IterationsExhausted)
        {
            throw new TaskFailedException(
                $"the model still asked for tools after maxIterations={definition.MaxIterations} round trips (last: {recorder.Calls[^1].Function})",
                transient: false);
        }

        // Prompt skills' model calls happen inside tool calls: neither the history nor the stream shows their usage.
        prompt += recorder.PromptTokens;
        completion += recorder.CompletionTokens;
        if (envelope.ThreadId is { Length: > 0 } continued)
        {
            await memory.AppendTurnAsync(definition, continued, envelope.Id, message, answer, cancellationToken);
        }

        return new TaskOutput(JsonSerializer.Serialize(new ChatOutput(answer, recorder.Calls, agent.SkillDigests), JsonSerializerOptions.Web), prompt, completion);
    }

    private async Task<ChatHistory> NewHistoryAsync(AgentDefinition definition, TaskEnvelope envelope, string message)
    {
        var history = new ChatHistory();
        if (!string.IsNullOrEmpty(definition.Instructions))
        {
            history.AddSystemMessage(definition.Instructions);
        }

        if (envelope.ThreadId is { Length: > 0 } thread)
        {
            foreach (var remembered in await memory.LoadAsync(definition, thread))
            {
                history.AddMessage(remembered.Role == "assistant" ? AuthorRole.Assistant : AuthorRole.User, remembered.Content);
            }
        }

        history.AddUserMessage(message);
        return history;
    }

    /// <summary>The conversation and the decision a parked chat task resumes with.</summary>
    private async Task<(ParkedConversation Conversation, TaskApproval? Approval)> LoadParkedAsync(Guid taskId, CancellationToken cancellationToken)
    {
        var stored = await approvals.LoadParkedAsync(taskId, cancellationToken);
        if (stored is not ({ } conversation, var approval))
        {
            throw new TaskFailedException("the task was resumed, but the store holds no conversation for it", transient: false);
        }

        return (ParkedConversation.FromJson(conversation), TaskApproval.FromJson(approval));
    }

    /// <summary>
    /// Answers the calls the parked response left without a result, in the model's order: the decided one runs or is
    /// refused, the others run unless they too need approval — then that one is returned, and the task parks again.
    /// </summary>
    private static async Task<ParkedCall?> AnswerPendingAsync(
        Kernel kernel, ChatHistory history, ParkedConversation parked, TaskApproval? approval, ApprovalGate gate, ToolCallRecorder recorder, CancellationToken cancellationToken)
    {
        foreach (var call in parked.Unanswered())
        {
            string result;
            if (approval is { ToolCallId: { } decided } && decided == call.Id && !approval.Approved)
            {
                // What the model reads: the refusal and the person's reason, so it can answer without the tool.
                result = $"The call {call.Name} was refused by a person and did not run. Reason: {approval.Reason ?? "none given"}";
                recorder.Record(new ToolCallRecord(call.Name, "rejected: " + (approval.Reason ?? "no reason given")));
            }
            else if (approval?.ToolCallId != call.Id && gate.Policy.Requires(call.Plugin ?? "", call.Function))
            {
                return call;
            }
            else
            {
                result = await InvokeAsync(kernel, call, recorder, cancellationToken);
            }

            history.Add(new ChatMessageContent(AuthorRole.Tool, [new FunctionResultContent(call.Function, call.Plugin, call.Id, result)]));
        }

        return null;
    }

    /// <summary>Runs one tool call as Semantic Kernel's loop would, an error becoming the result the model reads.</summary>
    private static async Task<string> InvokeAsync(Kernel kernel, ParkedCall call, ToolCallRecorder recorder, CancellationToken cancellationToken)
    {
        if (!kernel.Plugins.TryGetFunction(call.Plugin, call.Function, out var function))
        {
            recorder.Record(new ToolCallRecord(call.Name, "not found: the agent no longer has this function"));
            return $"Error: Requested function \"{call.Name}\" not found.";
        }

        using var span = Operability.RuntimeTracing.StartToolCall(call.Name, call.Id);
        try
        {
            var result = await function.InvokeAsync(kernel, ParkedConversation.Arguments(call.Arguments), cancellationToken);
            recorder.Record(new ToolCallRecord(call.Name, null));
            return ParkedConversation.ResultText(result.GetValue<object>());
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            span?.SetTag("error.type", exception.GetType().FullName).SetStatus(System.Diagnostics.ActivityStatusCode.Error);
            recorder.Record(new ToolCallRecord(call.Name, $"{exception.GetType().Name}: {exception.Message}"));
            return $"Error: Exception while invoking function. {exception.Message}";
        }
    }

    /// <summary>The exception that parks a chat task: the conversation so far and the call that waits.</summary>
    private static TaskParkedException Park(
        AgentDefinition definition, ChatHistory history, IReadOnlySet<string> notRun, ParkedCall call, int prompt, int completion, ToolCallRecorder recorder)
    {
        var conversation = ParkedConversation.From(history, notRun, prompt, completion, recorder.Calls);
        var approval = new TaskApproval(call.Name, call.Arguments, call.Id, definition.Approval.TimeoutSeconds);
        return new TaskParkedException(call.Name, new TaskParking(approval.ToJson(), conversation.ToJson(), definition.Approval.TimeoutSeconds), prompt, completion);
    }

    /// <summary>The whole answer at once; usage from the messages the tool-calling loop added to the history and the reply.</summary>
    private static async Task<(string Answer, int Prompt, int Completion)> AnswerAsync(
        IChatCompletionService chat, ChatHistory history, OpenAIPromptExecutionSettings settings, Kernel kernel, int firstNew, CancellationToken cancellationToken)
    {
        var reply = await chat.GetChatMessageContentAsync(history, settings, kernel, cancellationToken);
        var (prompt, completion) = (0, 0);
        foreach (var added in history.Skip(firstNew).Append(reply).Distinct())
        {
            var (p, c) = TokenUsage.Of(added.Metadata);
            prompt += p;
            completion += c;
        }

        return (reply.Content ?? "", prompt, completion);
    }

    /// <summary>
    /// The answer as it streams, relayed as it arrives; usage from the chunks (each model round trip ends with a chunk
    /// that carries its usage). The answer is the text of the last round, the one without tool calls.
    /// </summary>
    private async Task<(string Answer, int Prompt, int Completion)> StreamAsync(
        IChatCompletionService chat, ChatHistory history, OpenAIPromptExecutionSettings settings, Kernel kernel, Guid taskId, int attempt, CancellationToken cancellationToken)
    {
        await using var stream = await relay.OpenAsync(taskId, attempt, cancellationToken);
        var (prompt, completion) = (0, 0);
        await foreach (var chunk in chat.GetStreamingChatMessageContentsAsync(history, settings, kernel, cancellationToken))
        {
            // A round that calls tools is not the answer, whatever text came with the calls: as without streaming, the
            // answer is the last round's text.
            if (chunk.Items.OfType<StreamingFunctionCallUpdateContent>().Any())
            {
                stream.StartOver();
            }

            stream.Append(chunk.Content ?? "");
            var (p, c) = TokenUsage.Of(chunk.Metadata);
            prompt += p;
            completion += c;
        }

        return (stream.Text, prompt, completion);
    }

    private async Task<TaskOutput> CallAsync(AgentSnapshot agent, TaskEnvelope envelope, DirectCall call, CancellationToken cancellationToken)
    {
        var definition = agent.Definition;
        var taskId = envelope.Id;
        if (call.Skill == EvolutionPlugin.Name && agent.Evolution is { } evolution)
        {
            return await CallEvolutionAsync(agent, evolution, taskId, call, cancellationToken);
        }

        var skill = agent.Skills.FirstOrDefault(s => s.Skill.Name == call.Skill || s.Plugin.Name == call.Skill)
            ?? throw new TaskFailedException(
                call.Skill == EvolutionPlugin.Name
                    ? $"agent '{definition.Namespace}/{definition.Name}' has no '{EvolutionPlugin.Name}' plugin: its spec.evolution.enabled is not true"
                    : $"agent '{definition.Namespace}/{definition.Name}' has no skill '{call.Skill}' (it has: {string.Join(", ", Names(agent))})",
                transient: false);
        if (!skill.Plugin.TryGetFunction(SkillNames.ToKernelName(call.Function), out var function))
        {
            throw new TaskFailedException(
                $"skill '{call.Skill}' has no function '{call.Function}' (it has: {string.Join(", ", skill.Plugin.Select(f => f.Name))})", transient: false);
        }

        if (definition.Approval.Requires(call.Skill, call.Function))
        {
            await AwaitApprovalAsync(definition, envelope, call, cancellationToken);
        }

        if (skill.IsPrompt && agent.Chat is null)
        {
            throw new TaskFailedException($"skill '{call.Skill}' is a prompt skill and needs a model, but agent '{definition.Namespace}/{definition.Name}' has none", transient: false);
        }

        // C# skills run in a skill host (the executor); prompt skills run here, since they run no user code.
        var outcome = skill.Assembly is { } assembly
            ? await executor.CallAsync(new SkillCallRequest(assembly, function.Name, HostedSkillPlugin.Text(Arguments(call.Arguments)), options.SkillLimits, $"{definition.Namespace}/{definition.Name}"), cancellationToken)
            : await SkillCallRunner.InvokeAsync(agent.Kernel, function, Arguments(call.Arguments), options.SkillLimits, cancellationToken);
        // A prompt skill's model call reached a budget: the task fails with the budget's own error.
        if (await BudgetStop() is { } exceeded)
        {
            throw new TaskFailedException(exceeded.Message, transient: false);
        }

        return outcome.Status switch
        {
            SkillCallStatus.Completed => new TaskOutput(JsonSerializer.Serialize(
                new CallOutput(outcome.Value, new SkillVersionInfo(skill.Skill.Name, skill.Skill.Version, skill.Skill.Digest)), JsonSerializerOptions.Web)),
            _ when cancellationToken.IsCancellationRequested => throw new OperationCanceledException(cancellationToken),
            _ => throw new TaskFailedException($"{call.Skill}.{call.Function} {outcome.Status.ToString().ToLowerInvariant()}: {outcome.Error}", transient: false),
        };
    }

    /// <summary>
    /// A direct call of a guarded function: the first run parks the task (no conversation: the call is all there is);
    /// the resumed run goes on when it was approved and fails with the person's reason when it was rejected.
    /// </summary>
    private async Task AwaitApprovalAsync(AgentDefinition definition, TaskEnvelope envelope, DirectCall call, CancellationToken cancellationToken)
    {
        var name = $"{call.Skill}.{call.Function}";
        if (envelope.Resume == 0)
        {
            var arguments = call.Arguments is { ValueKind: JsonValueKind.Object } json ? JsonNode.Parse(json.GetRawText()) as JsonObject : null;
            var request = new TaskApproval(name, arguments, ToolCallId: null, definition.Approval.TimeoutSeconds);
            throw new TaskParkedException(name, new TaskParking(request.ToJson(), ConversationJson: null, definition.Approval.TimeoutSeconds));
        }

        var approval = TaskApproval.FromJson((await approvals.LoadParkedAsync(envelope.Id, cancellationToken))?.ApprovalJson);
        if (approval is not { Approved: true })
        {
            throw new TaskFailedException(
                $"{name} was rejected{(approval?.DecidedBy is { } by ? " by " + by : "")}: {approval?.Reason ?? "no reason given"}", transient: false);
        }
    }

    /// <summary>The limit that stopped this task, once the usage of its model calls so far is counted.</summary>
    private static async Task<BudgetExceededException?> BudgetStop()
    {
        if (TaskBudgetScope.Current is not { } scope)
        {
            return null;
        }

        await scope.SettledAsync();
        return scope.Stopped;
    }

    /// <summary>The built-in plugin runs here: it runs no user code (C# it checks goes to skill hosts).</summary>
    private static async Task<TaskOutput> CallEvolutionAsync(AgentSnapshot agent, KernelPlugin evolution, Guid taskId, DirectCall call, CancellationToken cancellationToken)
    {
        if (!evolution.TryGetFunction(call.Function, out var function))
        {
            throw new TaskFailedException(
                $"'{EvolutionPlugin.Name}' has no function '{call.Function}' (it has: {string.Join(", ", evolution.Select(f => f.Name))})", transient: false);
        }

        var kernel = agent.Kernel.Clone();
        EvolutionPlugin.AttachTask(kernel, taskId);
        var result = await function.InvokeAsync(kernel, Arguments(call.Arguments), cancellationToken);
        return new TaskOutput(JsonSerializer.Serialize(
            new CallOutput(result.GetValue<string>(), new SkillVersionInfo(EvolutionPlugin.Name, BuiltIn, BuiltIn)), JsonSerializerOptions.Web));
    }

    private static IEnumerable<string> Names(AgentSnapshot agent) =>
        agent.Skills.Select(s => s.Skill.Name).Prepend(SystemTaskExecutor.SkillName).Concat(Enumerable.Repeat(EvolutionPlugin.Name, agent.Evolution is null ? 0 : 1));

    /// <summary>JSON strings become strings; other values their JSON text, which Semantic Kernel converts to the parameter's type.</summary>
    private static KernelArguments Arguments(JsonElement? json)
    {
        var arguments = new KernelArguments();
        if (json is { ValueKind: JsonValueKind.Object } values)
        {
            foreach (var property in values.EnumerateObject())
            {
                arguments[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Null => null,
                    JsonValueKind.Number => property.Value.GetRawText().ToString(CultureInfo.InvariantCulture),
                    _ => property.Value.GetRawText(),
                };
            }
        }

        return arguments;
    }

    /// <summary>The version and digest reported for a call of the built-in plugin.</summary>
    private const string BuiltIn = "builtin";

    private sealed record ChatOutput(string Answer, IReadOnlyList<ToolCallRecord> ToolCalls, IReadOnlyDictionary<string, string> Skills);

    private sealed record CallOutput(string? Result, SkillVersionInfo Skill);

    private sealed record SkillVersionInfo(string Name, string Version, string Digest);
}
