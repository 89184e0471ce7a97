using k8s;
using MetaEvolve.Core.Budgets;
using MetaEvolve.Crds;
using MetaEvolve.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// The operator shows what the workers counted in Redis: Agent status.usage, the Tokens column, BudgetExceeded while
/// a daily limit is reached, the budget gauge, and the namespace's ceiling projected for the workers; all of it starts
/// over when the UTC day changes (an injected clock crosses 00:00).
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class AgentBudgetStatusTests
{
    private const string Prefix = "metaevolve";

    [Fact]
    public async Task Usage_and_BudgetExceeded_follow_the_workers_counters_and_clear_when_the_day_changes()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 23, 58, 0, TimeSpan.Zero));
        var instance = await cluster.StartOperatorAsync(configure: o => o with { UsageInterval = TimeSpan.FromMilliseconds(500) }, usageClock: clock);
        var ns = cluster.Namespace;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Connections.Redis);
        var db = redis.GetDatabase();
        string[] keys = [BudgetCounterKeys.Agent(Prefix, ns, "spender", "2026-12-07"), BudgetCounterKeys.Namespace(Prefix, ns, "2026-12-07")];
        try
        {
            // What workers would have counted today: 126 tokens costing 0.5.
            foreach (var key in keys)
            {
                await db.HashSetAsync(key, [new(BudgetCounterKeys.TokensField, 126), new(BudgetCounterKeys.CostField, "0.5")]);
            }

            await cluster.Kubectl.OkAsync("annotate", "namespace", ns, $"{BudgetAnnotations.MaxTokensPerDay}=1000");
            await cluster.ApplyAsync("""
                apiVersion: metaevolve.io/v1alpha1
                kind: AgentPool
                metadata:
                  name: general
                spec:
                  autoscaling:
                    mode: None
                ---
                apiVersion: metaevolve.io/v1alpha1
                kind: Agent
                metadata:
                  name: spender
                spec:
                  poolRef:
                    name: general
                  model:
                    provider: Ollama
                    model: llama3
                    endpoint: http://127.0.0.1:9/v1
                    pricing: {inputPerMillionTokens: 1, outputPerMillionTokens: 2, currency: EUR}
                  budget:
                    maxTokensPerDay: 100
                    maxCostPerDay: 2
                """);

            await OperatorCluster.EventuallyAsync(async () =>
                (await cluster.AgentAsync("spender")).Status?.Conditions.Condition(ConditionTypes.BudgetExceeded, out _, out _) == "True",
                "BudgetExceeded=True for 126 of 100 tokens");
            var agent = await cluster.AgentAsync("spender");
            Assert.Equal(("2026-12-07", 126L, 0.5), (agent.Status.Usage!.Day, agent.Status.Usage.Tokens, agent.Status.Usage.Cost));
            agent.Status.Conditions.Condition(ConditionTypes.BudgetExceeded, out var reason, out var message);
            Assert.Equal(ConditionReasons.MaxTokensPerDay, reason);
            Assert.Contains("spec.budget.maxTokensPerDay (100 tokens) reached on 2026-12-07 (UTC): 126 tokens used", message, StringComparison.Ordinal);
            Assert.Contains("126", await cluster.Kubectl.OkAsync("get", "agent", "spender"), StringComparison.Ordinal);
            string Labels(string limit) => $"namespace=\"{ns}\",agent=\"spender\",limit=\"{limit}\"";
            Assert.Equal(1.26, await instance.MetricAsync("metaevolve_agent_budget_used_ratio", Labels("maxTokensPerDay")));
            Assert.Equal(0.25, await instance.MetricAsync("metaevolve_agent_budget_used_ratio", Labels("maxCostPerDay")));
            Assert.Equal(0.126, await instance.MetricAsync("metaevolve_agent_budget_used_ratio", Labels("namespaceMaxTokensPerDay")));

            // The namespace's ceiling goes to the workers with the agent.
            await using (var store = cluster.Store())
            {
                await using var command = store.CreateCommand($"SELECT spec::text FROM {cluster.Schema}.agents WHERE namespace = $1 AND name = 'spender'");
                command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = ns });
                var spec = System.Text.Json.Nodes.JsonNode.Parse((string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!)!;
                Assert.Equal("""{"maxTokensPerDay":1000}""", spec["namespaceBudget"]!.ToJsonString());
            }

            // 00:00 UTC: the new day's counters are empty, so the condition clears.
            clock.Advance(TimeSpan.FromMinutes(3));
            await OperatorCluster.EventuallyAsync(async () =>
                (await cluster.AgentAsync("spender")).Status?.Conditions.Condition(ConditionTypes.BudgetExceeded, out _, out _) == "False",
                "BudgetExceeded=False on the new day");
            agent = await cluster.AgentAsync("spender");
            Assert.Equal(("2026-12-08", 0L, 0.0), (agent.Status.Usage!.Day, agent.Status.Usage.Tokens, agent.Status.Usage.Cost));
            agent.Status.Conditions.Condition(ConditionTypes.BudgetExceeded, out reason, out _);
            Assert.Equal(ConditionReasons.WithinBudget, reason);
            Assert.Equal(0, await instance.MetricAsync("metaevolve_agent_budget_used_ratio", Labels("maxTokensPerDay")));

            // An annotation that does not parse is named in a Warning event, and not enforced.
            await cluster.Kubectl.OkAsync("annotate", "namespace", ns, $"{BudgetAnnotations.MaxCostPerDay}=lots");
            await OperatorCluster.EventuallyAsync(async () =>
                (await cluster.Client("test").CoreV1.ListNamespacedEventAsync(ns, cancellationToken: TestContext.Current.CancellationToken)).Items
                    .Any(e => e.Reason == ConditionReasons.InvalidNamespaceBudget && e.Type == "Warning" && e.Message.Contains(BudgetAnnotations.MaxCostPerDay, StringComparison.Ordinal)),
                "a Warning event naming the invalid annotation");
        }
        finally
        {
            await db.KeyDeleteAsync([.. keys.Select(k => (RedisKey)k)]);
        }
    }
}
