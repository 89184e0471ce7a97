using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// A chat task's conversation while it waits for approval (<c>tasks.conversation</c>): the messages with their tool
/// calls and results, the usage and tool calls so far. Its own small shape rather than Semantic Kernel's serialized
/// history, whose message metadata carries connector objects: what is stored is exactly what the model is sent again.
/// Calls of the last assistant message without a result are the ones a resumed run answers.
/// </summary>
public sealed record ParkedConversation
{
    public List<ParkedMessage> Messages { get; init; } = [];
    public int PromptTokens { get; init; }
    public int CompletionTokens { get; init; }
    public List<ToolCallRecord> ToolCalls { get; init; } = [];

    /// <summary>Model round trips that asked for tools since the user's message, counted against maxIterations.</summary>
    [JsonIgnore]
    public int RoundTrips => Messages.Skip(Messages.FindLastIndex(m => m.Role == "user") + 1).Count(m => m.Calls is { Count: > 0 });

    /// <summary>The conversation as the history holds it, leaving out results of the calls in <paramref name="notRun"/>.</summary>
    public static ParkedConversation From(ChatHistory history, IReadOnlySet<string> notRun, int promptTokens, int completionTokens, IReadOnlyList<ToolCallRecord> toolCalls)
    {
        ArgumentNullException.ThrowIfNull(history);
        var messages = new List<ParkedMessage>();
        foreach (var message in history)
        {
            var role = message.Role.Label;
            var results = message.Items.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                messages.AddRange(results
                    .Where(r => r.CallId is null || !notRun.Contains(r.CallId))
                    .Select(r => new ParkedMessage("tool", Result: new ParkedResult(r.CallId ?? "", r.PluginName, r.FunctionName ?? "", ResultText(r.Result)))));
                continue;
            }

            var calls = message.Items.OfType<FunctionCallContent>()
                .Select(c => new ParkedCall(c.Id ?? "", c.PluginName, c.FunctionName, ArgumentsJson(c.Arguments)))
                .ToList();
            messages.Add(new ParkedMessage(role, message.Content, calls.Count > 0 ? calls : null));
        }

        return new ParkedConversation { Messages = messages, PromptTokens = promptTokens, CompletionTokens = completionTokens, ToolCalls = [.. toolCalls] };
    }

    /// <summary>The history to send the model again.</summary>
    public ChatHistory ToHistory()
    {
        var history = new ChatHistory();
        foreach (var message in Messages)
        {
            if (message.Result is { } result)
            {
                history.Add(new ChatMessageContent(AuthorRole.Tool, [new FunctionResultContent(result.Function, result.Plugin, result.CallId, result.Text)]));
                continue;
            }

            var content = new ChatMessageContent(new AuthorRole(message.Role), message.Text);
            foreach (var call in message.Calls ?? [])
            {
                content.Items.Add(new FunctionCallContent(call.Function, call.Plugin, call.Id, Arguments(call.Arguments)));
            }

            history.Add(content);
        }

        return history;
    }

    /// <summary>Calls of the last message that asked for tools that have no result yet, in the model's order.</summary>
    public IReadOnlyList<ParkedCall> Unanswered()
    {
        var last = Messages.FindLastIndex(m => m.Calls is { Count: > 0 });
        if (last < 0)
        {
            return [];
        }

        var answered = Messages.Skip(last + 1).Select(m => m.Result?.CallId).OfType<string>().ToHashSet();
        return [.. Messages[last].Calls!.Where(c => !answered.Contains(c.Id))];
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    public static ParkedConversation FromJson(string json) =>
        JsonSerializer.Deserialize<ParkedConversation>(json, JsonSerializerOptions.Web) ?? new ParkedConversation();

    /// <summary>Arguments as a JSON object: values Semantic Kernel parsed stay what they were (strings, as the connector reads them).</summary>
    public static JsonObject ArgumentsJson(KernelArguments? arguments)
    {
        var json = new JsonObject();
        foreach (var (name, value) in arguments ?? [])
        {
            json[name] = value switch
            {
                null => null,
                JsonElement element => JsonNode.Parse(element.GetRawText()),
                _ => JsonSerializer.SerializeToNode(value, value.GetType()),
            };
        }

        return json;
    }

    /// <summary>JSON strings become strings; other values their JSON text, which Semantic Kernel converts to the parameter's type.</summary>
    public static KernelArguments Arguments(JsonObject? json)
    {
        var arguments = new KernelArguments();
        foreach (var (name, value) in json ?? [])
        {
            arguments[name] = value switch
            {
                null => null,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                _ => value.ToJsonString(),
            };
        }

        return arguments;
    }

    /// <summary>A tool's result as the model is given it: text as is, anything else as JSON.</summary>
    public static string ResultText(object? result) => result switch
    {
        null => "",
        string text => text,
        JsonElement element => element.ValueKind == JsonValueKind.String ? element.GetString() ?? "" : element.GetRawText(),
        _ => JsonSerializer.Serialize(result, result.GetType()),
    };
}

/// <summary>One message: its role and text, the tool calls an assistant message asked for, or a tool's result.</summary>
public sealed record ParkedMessage(string Role, string? Text = null, List<ParkedCall>? Calls = null, ParkedResult? Result = null);

/// <summary>A tool call the model asked for: <see cref="Id"/> is the model's tool-call id.</summary>
public sealed record ParkedCall(string Id, string? Plugin, string Function, JsonObject Arguments)
{
    public string Name => Plugin is null ? Function : $"{Plugin}.{Function}";
}

public sealed record ParkedResult(string CallId, string? Plugin, string Function, string Text);
