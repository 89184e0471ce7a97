using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Agents;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Tests.Cluster;

namespace MetaEvolve.Operator.Tests.Agents;

public class AgentBudgetStatusTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 12, 0, 0, DateTimeKind.Utc);

    private static V1Alpha1Agent Agent(AgentBudget? budget) => new()
    {
        Metadata = new V1ObjectMeta { Name = "assistant", NamespaceProperty = "team-a", Generation = 1 },
        Spec = new V1Alpha1AgentSpec
        {
            PoolRef = new LocalObjectReference { Name = "general" },
            Model = new AgentModel { Provider = ModelProvider.OpenAI, Model = "gpt-4o-mini", Pricing = new ModelPricing { InputPerMillionTokens = 1, OutputPerMillionTokens = 2, Currency = "EUR" } },
            Budget = budget,
        },
    };

    private static V1Namespace Namespace(params (string Key, string Value)[] annotations) => new()
    {
        Metadata = new V1ObjectMeta { Name = "team-a", Annotations = annotations.ToDictionary(a => a.Key, a => a.Value) },
    };

    [Fact]
    public void Namespace_annotations_parse_and_one_that_does_not_is_named_and_ignored()
    {
        var budget = NamespaceBudget.Of(Namespace((BudgetAnnotations.MaxTokensPerDay, "50000"), (BudgetAnnotations.MaxCostPerDay, "12.5")));
        Assert.Equal(new NamespaceBudget(50000, 12.5, null), budget);

        var broken = NamespaceBudget.Of(Namespace((BudgetAnnotations.MaxTokensPerDay, "-3"), (BudgetAnnotations.MaxCostPerDay, "7")));
        Assert.Null(broken.MaxTokensPerDay);
        Assert.Equal(7, broken.MaxCostPerDay);
        Assert.Contains($"annotation {BudgetAnnotations.MaxTokensPerDay} of namespace team-a is '-3'", broken.Problem, StringComparison.Ordinal);
        Assert.True(NamespaceBudget.Of(Namespace()).IsEmpty);
    }

    [Fact]
    public void The_namespace_ceiling_is_projected_to_the_workers_and_changes_the_digest()
    {
        var agent = Agent(new AgentBudget { MaxTokensPerTask = 500 });
        var resolution = new AgentResolution("Be brief.", [], null);
        var without = AgentProjection.Build(agent, resolution);
        var with = AgentProjection.Build(agent, resolution, new NamespaceBudget(1000, null, null));

        Assert.Contains("\"budget\":{\"maxTokensPerTask\":500}", with.SpecJson, StringComparison.Ordinal);
        Assert.Contains("\"namespaceBudget\":{\"maxTokensPerDay\":1000}", with.SpecJson, StringComparison.Ordinal);
        Assert.DoesNotContain("namespaceBudget", without.SpecJson, StringComparison.Ordinal);
        Assert.NotEqual(without.Digest, with.Digest);
    }

    [Fact]
    public void BudgetExceeded_names_the_first_limit_reached_is_False_with_room_and_absent_without_daily_limits()
    {
        var agent = Agent(new AgentBudget { MaxTokensPerDay = 1000, MaxCostPerDay = 1 });
        var ns = new NamespaceBudget(5000, null, null);

        var costly = AgentBudgetStatus.Limits(agent, ns, new AgentUsageReading("2026-12-07", 900, 1.2, 4000, 1.5));
        var conditions = AgentBudgetStatus.Condition(null, costly, "2026-12-07", 1, Now);
        Assert.Equal("True", conditions.Condition(ConditionTypes.BudgetExceeded, out var reason, out var message));
        Assert.Equal(ConditionReasons.MaxCostPerDay, reason);
        Assert.Equal("spec.budget.maxCostPerDay (1 EUR) reached on 2026-12-07 (UTC): 1.2 EUR used; model calls fail with budget: until 00:00 UTC", message);
        Assert.Equal([0.9, 1.2, 0.8], costly.Select(l => l.Ratio));

        var roomy = AgentBudgetStatus.Limits(agent, ns, new AgentUsageReading("2026-12-08", 0, 0, 0, 0));
        conditions = AgentBudgetStatus.Condition(conditions, roomy, "2026-12-08", 1, Now);
        Assert.Equal("False", conditions.Condition(ConditionTypes.BudgetExceeded, out reason, out _));
        Assert.Equal(ConditionReasons.WithinBudget, reason);

        var none = AgentBudgetStatus.Limits(Agent(null), NamespaceBudget.None, new AgentUsageReading("2026-12-08", 10, 0, 10, 0));
        Assert.Empty(none);
        Assert.Null(Conditions.Find(AgentBudgetStatus.Condition(conditions, none, "2026-12-08", 1, Now), ConditionTypes.BudgetExceeded));
    }
}
