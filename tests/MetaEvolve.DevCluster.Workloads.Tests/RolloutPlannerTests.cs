using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Workloads.Tests;

public sealed class RolloutPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Strategy_defaults_are_a_quarter_surge_rounded_up_and_a_quarter_unavailable_rounded_down()
    {
        Assert.Equal(new RolloutStrategy(false, 1, 0), RolloutStrategy.Resolve(null, 3));
        Assert.Equal(new RolloutStrategy(false, 3, 2), RolloutStrategy.Resolve(null, 10));
        Assert.Equal(new RolloutStrategy(false, 0, 1), RolloutStrategy.Resolve(JsonNode.Parse("""{"rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}"""), 4));
        Assert.True(RolloutStrategy.Resolve(JsonNode.Parse("""{"type":"Recreate"}"""), 4).Recreate);
    }

    [Fact]
    public void Without_old_pods_the_count_is_corrected_removing_unready_and_newest_first()
    {
        Assert.Equal(3, RolloutPlanner.Plan(3, new RolloutStrategy(false, 1, 0), [], []).Create);
        var pods = new List<ReplicaInfo>
        {
            new("a", true, true, T0), new("b", true, true, T0.AddMinutes(2)), new("c", false, false, T0.AddMinutes(1)),
        };
        Assert.Equal(["c", "b"], RolloutPlanner.Plan(1, new RolloutStrategy(false, 1, 0), pods, []).Delete);
    }

    [Fact]
    public void Rolling_update_never_exceeds_surge_nor_drops_below_availability()
    {
        var strategy = new RolloutStrategy(false, 1, 0);
        var old = Enumerable.Range(0, 3).Select(i => new ReplicaInfo($"old-{i}", true, true, T0)).ToList();
        var current = new List<ReplicaInfo>();
        var next = 0;
        for (var round = 0; round < 20 && (old.Count > 0 || current.Count < 3); round++)
        {
            var step = RolloutPlanner.Plan(3, strategy, current, old);
            old.RemoveAll(p => step.Delete.Contains(p.Name));
            current.RemoveAll(p => step.Delete.Contains(p.Name));
            current.AddRange(Enumerable.Range(0, step.Create).Select(_ => new ReplicaInfo($"new-{next++}", false, false, T0.AddMinutes(next))));
            Assert.True(current.Count + old.Count <= 4, "never more than desired + maxSurge");
            Assert.True(current.Count(p => p.Available) + old.Count(p => p.Available) >= 3 || step.Create > 0 || step.Delete.Count == 0,
                "never below desired - maxUnavailable available");
            // The new pods become ready before the next round.
            current = current.Select(p => p with { Ready = true, Available = true }).ToList();
        }

        Assert.Empty(old);
        Assert.Equal(3, current.Count);
    }

    [Fact]
    public void Unhealthy_old_pods_go_first()
    {
        var old = new List<ReplicaInfo> { new("ok", true, true, T0), new("broken", false, false, T0) };
        var current = new List<ReplicaInfo> { new("n1", true, true, T0) };
        var step = RolloutPlanner.Plan(2, new RolloutStrategy(false, 1, 0), current, old);
        Assert.Equal("broken", step.Delete[0]);
    }

    [Fact]
    public void Recreate_removes_every_old_pod_before_creating()
    {
        var old = new List<ReplicaInfo> { new("a", true, true, T0), new("b", true, true, T0) };
        var step = RolloutPlanner.Plan(2, new RolloutStrategy(true, 0, 0), [], old);
        Assert.Equal(0, step.Create);
        Assert.Equal(["a", "b"], step.Delete);
        Assert.Equal(2, RolloutPlanner.Plan(2, new RolloutStrategy(true, 0, 0), [], []).Create);
    }

    [Fact]
    public void Template_hash_ignores_key_order_and_changes_with_the_template()
    {
        var a = PodTemplateHash.Compute(JsonNode.Parse("""{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"m","image":"i:1"}]}}"""));
        var b = PodTemplateHash.Compute(JsonNode.Parse("""{"spec":{"containers":[{"image":"i:1","name":"m"}]},"metadata":{"labels":{"app":"x"}}}"""));
        var c = PodTemplateHash.Compute(JsonNode.Parse("""{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"m","image":"i:2"}]}}"""));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]+$", a);
    }
}
