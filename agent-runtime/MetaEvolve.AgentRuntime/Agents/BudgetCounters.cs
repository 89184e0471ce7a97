using System.Globalization;
using MetaEvolve.Core.Budgets;
using StackExchange.Redis;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>An agent's and its namespace's model usage on one UTC day, summed over all workers.</summary>
public sealed record DailyUsage(string Day, long AgentTokens, double AgentCost, long NamespaceTokens, double NamespaceCost);

/// <summary>
/// The daily usage counters all workers share, in Redis (<see cref="BudgetCounterKeys"/>): one hash per agent and
/// day, one per namespace and day, added to atomically by a script (HINCRBY, HINCRBYFLOAT) that also renews their
/// expiry. The day comes from the injected clock, so tests can move it.
/// </summary>
public sealed class BudgetCounters(RedisConnection redis, AgentOptions options, TimeProvider time)
{
    private const string AddScript = """
        local out = {}
        for i, key in ipairs(KEYS) do
          out[#out + 1] = redis.call('HINCRBY', key, 'tokens', ARGV[1])
          out[#out + 1] = redis.call('HINCRBYFLOAT', key, 'cost', ARGV[2])
          redis.call('EXPIRE', key, ARGV[3])
        end
        return out
        """;

    private const string ReadScript = """
        local out = {}
        for i, key in ipairs(KEYS) do
          local values = redis.call('HMGET', key, 'tokens', 'cost')
          out[#out + 1] = values[1] or '0'
          out[#out + 1] = values[2] or '0'
        end
        return out
        """;

    public string Today => BudgetCounterKeys.Day(time.GetUtcNow());

    public async Task<DailyUsage> ReadAsync(string ns, string agent)
    {
        var day = Today;
        var result = await (await redis.DatabaseAsync()).ScriptEvaluateAsync(ReadScript, Keys(ns, agent, day));
        return Usage(day, result);
    }

    public async Task<DailyUsage> AddAsync(string ns, string agent, long tokens, double cost)
    {
        var day = Today;
        RedisValue[] arguments = [tokens, cost.ToString("R", CultureInfo.InvariantCulture), (long)BudgetCounterKeys.Retention.TotalSeconds];
        var result = await (await redis.DatabaseAsync()).ScriptEvaluateAsync(AddScript, Keys(ns, agent, day), arguments);
        return Usage(day, result);
    }

    private RedisKey[] Keys(string ns, string agent, string day) =>
        [BudgetCounterKeys.Agent(options.RedisPrefix, ns, agent, day), BudgetCounterKeys.Namespace(options.RedisPrefix, ns, day)];

    private static DailyUsage Usage(string day, RedisResult result)
    {
        var values = (RedisResult[])result!;
        return new DailyUsage(day, Long(values[0]), Double(values[1]), Long(values[2]), Double(values[3]));
    }

    private static long Long(RedisResult value) => long.Parse((string)value!, CultureInfo.InvariantCulture);

    private static double Double(RedisResult value) => double.Parse((string)value!, CultureInfo.InvariantCulture);
}
