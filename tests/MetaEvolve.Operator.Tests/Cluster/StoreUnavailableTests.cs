using MetaEvolve.Crds;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

[Trait(Services.Trait, Services.Needed)]
public class StoreUnavailableTests
{
    [Fact]
    public async Task Agents_and_skills_say_StoreUnavailable_while_the_store_cannot_be_reached()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        // Only the operator gets a PostgreSQL address nobody listens on; the fixture keeps the real one to clean up.
        var real = cluster.Connections;
        cluster.Connections = real with { Postgres = "Host=127.0.0.1;Port=1;Username=nobody;Password=s3cret-pw;Database=none;Timeout=2" };
        await cluster.StartOperatorAsync(configure: o => o with { MigrateStore = false });
        cluster.Connections = real;

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
              name: helper
            spec:
              poolRef:
                name: general
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Skill
            metadata:
              name: summarize
            spec:
              type: Prompt
              prompt:
                template: "Summarize: {{$input}}"
            """);

        await OperatorCluster.EventuallyAsync(async () =>
            (await cluster.AgentAsync("helper")).Status?.Conditions.Condition("Ready", out var agentReason, out _) == "False" && agentReason == ConditionReasons.StoreUnavailable
            && (await cluster.SkillAsync("summarize")).Status?.Conditions.Condition("Ready", out var skillReason, out _) == "False" && skillReason == ConditionReasons.StoreUnavailable,
            "the agent and the skill report StoreUnavailable");

        (await cluster.AgentAsync("helper")).Status!.Conditions.Condition("Ready", out _, out var message);
        Assert.Contains("store could not be read or written", message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", message, StringComparison.Ordinal);
        Assert.Null((await cluster.AgentAsync("helper")).Status!.Conditions.Condition("Stalled", out _, out _));
    }
}
