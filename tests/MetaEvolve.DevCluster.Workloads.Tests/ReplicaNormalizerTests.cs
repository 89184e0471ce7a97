using MetaEvolve.DevCluster.Autoscaling;

namespace MetaEvolve.DevCluster.Workloads.Tests;

/// <summary>Stabilization and rate limits as upstream's normalizeDesiredReplicas(WithBehaviors) apply them.</summary>
public sealed class ReplicaNormalizerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private static AutoscalerHistory History(params (int Replicas, int SecondsAgo)[] recommendations)
    {
        var history = new AutoscalerHistory();
        foreach (var (replicas, ago) in recommendations)
        {
            history.Recommendations.Add(new TimedRecommendation(replicas, Now.AddSeconds(-ago)));
        }

        return history;
    }

    [Fact]
    public void Scale_down_waits_for_the_highest_recommendation_in_the_window()
    {
        var history = History((5, 120), (4, 60));
        var result = ReplicaNormalizer.Normalize(history, Now, Window, 5, 1, 1, 10);
        Assert.Equal(5, result.Replicas);
        Assert.Equal("ScaleDownStabilized", result.AbleToScale.Reason);
        Assert.Equal(3, history.Recommendations.Count);
    }

    [Fact]
    public void Recommendations_older_than_the_window_no_longer_hold_and_are_replaced()
    {
        var history = History((5, 301), (2, 10));
        var result = ReplicaNormalizer.Normalize(history, Now, Window, 5, 1, 1, 10);
        Assert.Equal(2, result.Replicas);
        Assert.Equal(2, history.Recommendations.Count);
        Assert.Contains(history.Recommendations, r => r.Replicas == 1 && r.At == Now);
    }

    [Theory]
    [InlineData(1, 10, 10, 4, "ScaleUpLimit")]
    [InlineData(3, 10, 10, 6, "ScaleUpLimit")]
    [InlineData(10, 30, 12, 12, "TooManyReplicas")]
    [InlineData(3, 0, 10, 2, "TooFewReplicas")]
    [InlineData(3, 5, 10, 5, "DesiredWithinRange")]
    public void Legacy_rules_cap_scale_up_at_twice_current_or_four_and_clamp_to_min_max(int current, int desired, int max, int expected, string reason)
    {
        var result = ReplicaNormalizer.Normalize(History(), Now, Window, current, desired, 2, max);
        Assert.Equal(expected, result.Replicas);
        Assert.Equal(reason, result.ScalingLimited.Reason);
        Assert.Equal(expected == desired ? "False" : "True", result.ScalingLimited.Status);
    }

    private static HpaBehavior Behavior(ScalingRules? up = null, ScalingRules? down = null) =>
        new(up ?? HpaBehavior.DefaultScaleUp, down ?? HpaBehavior.DefaultScaleDown);

    [Theory]
    [InlineData("Pods", 1, "Max", 5, 6)]
    [InlineData("Percent", 100, "Max", 5, 10)]
    [InlineData("Percent", 50, "Max", 3, 5)]
    public void A_scale_up_policy_limits_the_step(string type, int value, string select, int current, int expected)
    {
        var behavior = Behavior(up: new ScalingRules(0, select, [new ScalingPolicy(type, value, 60)]));
        var result = ReplicaNormalizer.NormalizeWithBehavior(History(), Now, Window, behavior, current, 20, 1, 30);
        Assert.Equal(expected, result.Replicas);
        Assert.Equal("ScaleUpLimit", result.ScalingLimited.Reason);
    }

    [Fact]
    public void Default_scale_up_takes_the_larger_of_four_pods_and_double()
    {
        var behavior = Behavior();
        Assert.Equal(7, ReplicaNormalizer.NormalizeWithBehavior(History(), Now, Window, behavior, 3, 20, 1, 30).Replicas);
        Assert.Equal(20, ReplicaNormalizer.NormalizeWithBehavior(History(), Now, Window, behavior, 10, 25, 1, 30).Replicas);
        var min = Behavior(up: HpaBehavior.DefaultScaleUp with { SelectPolicy = "Min" });
        Assert.Equal(6, ReplicaNormalizer.NormalizeWithBehavior(History(), Now, Window, min, 3, 20, 1, 30).Replicas);
    }

    [Fact]
    public void Scale_events_within_the_period_count_against_the_policy()
    {
        var behavior = Behavior(up: new ScalingRules(0, "Max", [new ScalingPolicy("Pods", 4, 60)]));
        var history = History();
        history.ScaleUpEvents.Add(new ScaleEvent(3, Now.AddSeconds(-10)));
        history.ScaleUpEvents.Add(new ScaleEvent(5, Now.AddSeconds(-61)));
        // The period started at 6 - 3 = 3 replicas: at most 7 now.
        Assert.Equal(7, ReplicaNormalizer.NormalizeWithBehavior(history, Now, Window, behavior, 6, 10, 1, 30).Replicas);
    }

    [Fact]
    public void Disabled_policy_never_scales_that_way()
    {
        var behavior = Behavior(down: new ScalingRules(0, "Disabled", [new ScalingPolicy("Percent", 100, 15)]));
        var result = ReplicaNormalizer.NormalizeWithBehavior(History(), Now, Window, behavior, 8, 2, 1, 30);
        Assert.Equal(8, result.Replicas);
        Assert.Equal("ScaleDownLimit", result.ScalingLimited.Reason);
    }

    [Fact]
    public void Scale_down_policy_limits_the_step()
    {
        var behavior = Behavior(down: new ScalingRules(0, "Max", [new ScalingPolicy("Percent", 50, 60), new ScalingPolicy("Pods", 2, 60)]));
        // Max picks the biggest change: 50 % of 10 removes 5, 2 pods removes 2 → 5.
        Assert.Equal(5, ReplicaNormalizer.NormalizeWithBehavior(History(), Now, Window, behavior, 10, 1, 1, 30).Replicas);
        var min = Behavior(down: behavior.ScaleDown with { SelectPolicy = "Min" });
        Assert.Equal(8, ReplicaNormalizer.NormalizeWithBehavior(History(), Now, Window, min, 10, 1, 1, 30).Replicas);
    }

    [Fact]
    public void Behavior_scale_down_without_a_window_uses_the_controllers_default()
    {
        var history = History((8, 200));
        var result = ReplicaNormalizer.NormalizeWithBehavior(history, Now, Window, Behavior(), 8, 2, 1, 30);
        Assert.Equal(8, result.Replicas);
        Assert.Equal("ScaleDownStabilized", result.AbleToScale.Reason);
        var shortWindow = Behavior(down: HpaBehavior.DefaultScaleDown with { StabilizationWindowSeconds = 60 });
        Assert.Equal(2, ReplicaNormalizer.NormalizeWithBehavior(History((8, 200)), Now, Window, shortWindow, 8, 2, 1, 30).Replicas);
    }

    [Fact]
    public void Scale_up_window_applies_the_lowest_recent_recommendation()
    {
        var behavior = Behavior(up: HpaBehavior.DefaultScaleUp with { StabilizationWindowSeconds = 60 });
        var result = ReplicaNormalizer.NormalizeWithBehavior(History((3, 30)), Now, Window, behavior, 3, 8, 1, 30);
        Assert.Equal(3, result.Replicas);
        Assert.Equal("ScaleUpStabilized", result.AbleToScale.Reason);
    }

    [Fact]
    public void Stored_scale_events_reuse_outdated_slots()
    {
        var behavior = Behavior(up: new ScalingRules(0, "Max", [new ScalingPolicy("Pods", 4, 60)]));
        var history = History();
        ReplicaNormalizer.StoreScaleEvent(history, behavior, 1, 3, Now.AddSeconds(-120));
        ReplicaNormalizer.StoreScaleEvent(history, behavior, 3, 4, Now);
        Assert.Single(history.ScaleUpEvents);
        Assert.Equal(1, history.ScaleUpEvents[0].Change);
        ReplicaNormalizer.StoreScaleEvent(history, null, 4, 9, Now);
        Assert.Single(history.ScaleUpEvents);
    }

    [Fact]
    public void Behavior_defaults_fill_what_the_spec_leaves_out()
    {
        var parsed = HpaBehavior.Parse(System.Text.Json.Nodes.JsonNode.Parse("""{"scaleDown":{"stabilizationWindowSeconds":30}}"""))!;
        Assert.Equal(HpaBehavior.DefaultScaleUp, parsed.ScaleUp);
        Assert.Equal(30, parsed.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal(HpaBehavior.DefaultScaleDown.Policies, parsed.ScaleDown.Policies);
        Assert.Null(HpaBehavior.Parse(null));
    }
}
