using System.Text.Json;
using StackExchange.Redis;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Conversation history per (namespace, agent, thread) in Redis, so a thread continues on any worker. A turn is
/// the user's message and the agent's final answer (tool traffic stays inside the task that made it). The list
/// keeps the agent's last <c>maxTurns</c> turns and expires <c>ttlSeconds</c> after the last one.
/// </summary>
public sealed class ThreadMemory(RedisConnection redis, AgentOptions options)
{
    public string Key(string ns, string agent, string thread) => $"{options.RedisPrefix}:thread:{ns}:{agent}:{thread}";

    public async Task<IReadOnlyList<ThreadMessage>> LoadAsync(AgentDefinition agent, string thread)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var values = await (await redis.DatabaseAsync()).ListRangeAsync(Key(agent.Namespace, agent.Name, thread));
        return [.. values.Select(v => JsonSerializer.Deserialize<ThreadMessage>((string)v!, JsonSerializerOptions.Web)!)];
    }

    // Appends once per task: a marker key per (thread, task) guards the push, so a task that runs again after a
    // redelivery (its first attempt's worker died after appending, before recording) does not add its turn twice.
    private const string AppendOnce = """
        if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
          redis.call('RPUSH', KEYS[1], ARGV[1], ARGV[2])
          redis.call('LTRIM', KEYS[1], ARGV[3], -1)
          redis.call('EXPIRE', KEYS[1], ARGV[4])
          return 1
        end
        return 0
        """;

    /// <summary>
    /// How long an append waits out Redis being away (a restart, a failover). The model has already answered when a
    /// turn is appended: failing here would retry the whole task and run the model a second time for one task.
    /// </summary>
    public static readonly TimeSpan AppendPatience = TimeSpan.FromSeconds(15);

    /// <returns>False when this task's turn was already appended.</returns>
    /// <exception cref="RedisException">Redis stayed unreachable for <see cref="AppendPatience"/>.</exception>
    public async Task<bool> AppendTurnAsync(AgentDefinition agent, string thread, Guid taskId, string user, string assistant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var key = Key(agent.Namespace, agent.Name, thread);
        RedisValue[] arguments =
        [
            JsonSerializer.Serialize(new ThreadMessage("user", user), JsonSerializerOptions.Web),
            JsonSerializer.Serialize(new ThreadMessage("assistant", assistant), JsonSerializerOptions.Web),
            -2L * agent.MaxTurns,
            agent.TtlSeconds,
        ];
        var giveUpAt = DateTime.UtcNow + AppendPatience;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                // Safe to repeat: the marker key makes a second run of the script a no-op.
                var appended = await (await redis.DatabaseAsync()).ScriptEvaluateAsync(AppendOnce, [key, $"{key}:task:{taskId:N}"], arguments);
                return (int)appended == 1;
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException && DateTime.UtcNow + delay < giveUpAt)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }
}

/// <summary>One remembered message: role <c>user</c> or <c>assistant</c>.</summary>
public sealed record ThreadMessage(string Role, string Content);
