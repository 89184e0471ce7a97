using System.Text.Json;
using StackExchange.Redis;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Conversation history per (namespace, agent, thread) in Redis, so a thread continues on any worker. A turn is
/// the user's message and the agent's final answer (tool traffic stays inside the task that made it). The list
/// keeps the agent's last <c>maxTurns</c> turns and expires <c>ttlSeconds</c> after the last one.
/// </summary>
public sealed class ThreadMemory(IConnectionMultiplexer redis, AgentOptions options)
{
    public string Key(string ns, string agent, string thread) => $"{options.RedisPrefix}:thread:{ns}:{agent}:{thread}";

    public async Task<IReadOnlyList<ThreadMessage>> LoadAsync(AgentDefinition agent, string thread)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var values = await redis.GetDatabase().ListRangeAsync(Key(agent.Namespace, agent.Name, thread));
        return [.. values.Select(v => JsonSerializer.Deserialize<ThreadMessage>((string)v!, JsonSerializerOptions.Web)!)];
    }

    public async Task AppendTurnAsync(AgentDefinition agent, string thread, string user, string assistant)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var key = Key(agent.Namespace, agent.Name, thread);
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.ListRightPushAsync(key, [
            JsonSerializer.Serialize(new ThreadMessage("user", user), JsonSerializerOptions.Web),
            JsonSerializer.Serialize(new ThreadMessage("assistant", assistant), JsonSerializerOptions.Web)]);
        _ = transaction.ListTrimAsync(key, -2L * agent.MaxTurns, -1);
        _ = transaction.KeyExpireAsync(key, TimeSpan.FromSeconds(agent.TtlSeconds));
        await transaction.ExecuteAsync();
    }
}

/// <summary>One remembered message: role <c>user</c> or <c>assistant</c>.</summary>
public sealed record ThreadMessage(string Role, string Content);
