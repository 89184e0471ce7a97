using System.Text.Json;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>What a chat-completions answer says about itself: the model that answered, its token usage and why each choice ended.</summary>
public sealed record ModelAnswer(string? Model, long InputTokens, long OutputTokens, string[] FinishReasons)
{
    /// <summary>The answer's fields, or null for a body that is not a chat-completions answer (the connector reports it).</summary>
    public static ModelAnswer? Read(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var usage = root.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object ? u : default;
            var reasons = root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array
                ? choices.EnumerateArray()
                    .Select(c => c.ValueKind == JsonValueKind.Object && c.TryGetProperty("finish_reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : null)
                    .OfType<string>().ToArray()
                : [];
            return new ModelAnswer(
                root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null,
                Tokens(usage, "prompt_tokens"),
                Tokens(usage, "completion_tokens"),
                reasons);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long Tokens(JsonElement usage, string name) =>
        usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) && number > 0 ? number : 0;
}
