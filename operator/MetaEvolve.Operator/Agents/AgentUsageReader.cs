using System.Globalization;
using MetaEvolve.Core.Budgets;
using StackExchange.Redis;

namespace MetaEvolve.Operator.Agents;

/// <summary>Today's model usage of an agent and of its namespace, as the workers counted it.</summary>
public sealed record AgentUsageReading(string Day, long AgentTokens, double AgentCost, long NamespaceTokens, double NamespaceCost);

/// <summary>
/// Reads the workers' daily counters (<see cref="BudgetCounterKeys"/>) with the operator's Redis connection. The day
/// comes from the injected clock, so a test can move it across 00:00 UTC.
/// </summary>
public sealed class AgentUsageReader(IConnectionMultiplexer redis, OperatorOptions options, TimeProvider clock)
{
    /// <returns>Null when Redis cannot be reached: status keeps what it showed.</returns>
    public async Task<AgentUsageReading?> ReadAsync(string ns, string agent)
    {
        var day = BudgetCounterKeys.Day(clock.GetUtcNow());
        try
        {
            var database = redis.GetDatabase();
            RedisValue[] fields = [BudgetCounterKeys.TokensField, BudgetCounterKeys.CostField];
            var own = database.HashGetAsync(BudgetCounterKeys.Agent(options.RedisPrefix, ns, agent, day), fields);
            var all = database.HashGetAsync(BudgetCounterKeys.Namespace(options.RedisPrefix, ns, day), fields);
            var (a, n) = (await own, await all);
            return new AgentUsageReading(day, Long(a[0]), Double(a[1]), Long(n[0]), Double(n[1]));
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            return null;
        }
    }

    private static long Long(RedisValue value) => value.IsNull ? 0 : (long)value;

    private static double Double(RedisValue value) => value.IsNull ? 0 : double.Parse((string)value!, CultureInfo.InvariantCulture);
}
