using k8s.Models;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Tests.Runtime;

public class ConditionsTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Setting_the_same_status_keeps_the_transition_time_so_the_status_does_not_change()
    {
        var first = Conditions.Set(null, "Ready", true, "Reconciled", "ok", 1, T0);
        var again = Conditions.Set(first, "Ready", true, "Reconciled", "ok", 1, T0.AddMinutes(5));

        Assert.Equal(T0, Assert.Single(again).LastTransitionTime);
        Assert.True(StatusWriter.SameJson(first, again));
    }

    [Fact]
    public void A_status_change_moves_the_transition_time_and_records_the_generation()
    {
        var first = Conditions.Set(null, "Ready", true, "Reconciled", "ok", 1, T0);
        var changed = Conditions.Set(first, "Ready", false, "SecretNotFound", "Secret x missing", 2, T0.AddMinutes(5).AddMilliseconds(300));

        var condition = Assert.Single(changed);
        Assert.Equal("False", condition.Status);
        Assert.Equal(T0.AddMinutes(5), condition.LastTransitionTime);
        Assert.Equal(2, condition.ObservedGeneration);
        Assert.Equal("SecretNotFound", condition.Reason);
    }

    [Fact]
    public void Other_conditions_are_kept_and_removal_drops_only_the_named_one()
    {
        var list = Conditions.Set(null, "Ready", false, "X", "x", 1, T0);
        list = Conditions.Set(list, "Stalled", true, "X", "x", 1, T0);

        Assert.Equal(["Ready", "Stalled"], list.Select(c => c.Type));
        Assert.Equal(["Ready"], Conditions.Remove(list, "Stalled").Select(c => c.Type));
        Assert.True(Conditions.IsTrue(list, "Stalled"));
        Assert.False(Conditions.IsTrue(new List<V1Condition>(), "Ready"));
    }
}
