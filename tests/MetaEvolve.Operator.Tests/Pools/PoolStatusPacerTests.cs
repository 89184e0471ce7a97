using MetaEvolve.Crds;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace MetaEvolve.Operator.Tests.Pools;

public class PoolStatusPacerTests
{
    private static readonly ObjectKey Key = new("team-a", "general");
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static V1Alpha1AgentPoolStatus Status(long pending, bool ready = true) => new()
    {
        ObservedGeneration = 1,
        Queue = new AgentPoolQueueStatus { Pending = pending, SampledAt = Now.AddSeconds(pending) },
        Conditions = Conditions.Set(null, ConditionTypes.Ready, ready, ready ? ConditionReasons.Reconciled : ConditionReasons.Progressing, "m", 1, Now),
    };

    private static (PoolStatusPacer Pacer, FakeTimeProvider Time) Pacer(TimeSpan interval)
    {
        var time = new FakeTimeProvider(Now);
        return (new PoolStatusPacer(new OperatorOptions { StatusInterval = interval }, time), time);
    }

    [Fact]
    public void A_queue_only_change_is_held_until_the_interval_since_the_last_write_has_passed()
    {
        var (pacer, time) = Pacer(TimeSpan.FromSeconds(15));
        var written = Status(0);
        pacer.Written(Key);

        time.Advance(TimeSpan.FromSeconds(5));
        var (status, heldFor) = pacer.Pace(Key, written, Status(7));
        Assert.True(StatusWriter.SameJson(written, status), "nothing to write while the interval runs");
        Assert.Equal(TimeSpan.FromSeconds(10), heldFor);

        time.Advance(TimeSpan.FromSeconds(10));
        (status, heldFor) = pacer.Pace(Key, written, Status(9));
        Assert.Equal(9, status.Queue!.Pending);
        Assert.Null(heldFor);
    }

    [Fact]
    public void A_condition_change_is_written_at_once_with_the_latest_queue()
    {
        var (pacer, time) = Pacer(TimeSpan.FromSeconds(15));
        pacer.Written(Key);
        time.Advance(TimeSpan.FromSeconds(1));

        var (status, heldFor) = pacer.Pace(Key, Status(0), Status(7, ready: false));

        Assert.Equal(7, status.Queue!.Pending);
        Assert.False(Conditions.IsTrue(status.Conditions, ConditionTypes.Ready));
        Assert.Null(heldFor);
    }

    [Fact]
    public void The_first_write_of_a_term_and_an_interval_of_zero_hold_nothing()
    {
        var (fresh, _) = Pacer(TimeSpan.FromSeconds(15));
        Assert.Equal(7, fresh.Pace(Key, Status(0), Status(7)).Status.Queue!.Pending);

        var (off, _) = Pacer(TimeSpan.Zero);
        off.Written(Key);
        Assert.Equal(7, off.Pace(Key, Status(0), Status(7)).Status.Queue!.Pending);
    }

    [Fact]
    public void A_negative_interval_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() => new OperatorOptions { StatusInterval = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Contains("Operator:StatusInterval", error.Message, StringComparison.Ordinal);
    }
}
