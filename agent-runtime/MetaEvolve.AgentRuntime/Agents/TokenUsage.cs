using OpenAI.Chat;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>Reads the token usage the OpenAI connectors put into message and function-result metadata.</summary>
public static class TokenUsage
{
    public static (int Prompt, int Completion) Of(IReadOnlyDictionary<string, object?>? metadata) =>
        metadata is not null && metadata.TryGetValue("Usage", out var usage) && usage is ChatTokenUsage tokens
            ? (tokens.InputTokenCount, tokens.OutputTokenCount)
            : (0, 0);
}
