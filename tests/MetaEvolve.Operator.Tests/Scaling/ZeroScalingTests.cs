using MetaEvolve.Crds;
using MetaEvolve.Operator.Scaling;
using MetaEvolve.Operator.Tests.Pools;

namespace MetaEvolve.Operator.Tests.Scaling;

public class ZeroScalingTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static V1Alpha1AgentPool Pool(int min = 0, int activation = 0, int cooldown = 60, AutoscalingMode mode = AutoscalingMode.Hpa, bool suspend = false) =>
        PoolFixtures.Pool(s =>
        {
            s.Suspend = suspend;
            s.Autoscaling = new AgentPoolAutoscaling { Mode = mode, MinReplicas = min, ActivationLag = activation, CooldownSeconds = cooldown };
        });

    private static PoolQueueState Queue(long pending, long ackPending = 0, TimeSpan? idleFor = null, string? error = null) =>
        new(new QueueLag(pending, ackPending, 0, Now), error, Now - (idleFor ?? TimeSpan.Zero));

    [Theory]
    [InlineData(0, 1, true)]
    [InlineData(3, 3, false)]
    [InlineData(3, 4, true)]
    public void A_pool_at_zero_starts_one_worker_once_its_lag_exceeds_activation_lag(int activation, long lag, bool starts)
    {
        var step = ZeroScaling.Decide(Pool(activation: activation), 0, Queue(lag), Now);

        Assert.Equal(starts ? 1 : null, step?.Replicas);
        Assert.Equal(starts ? ZeroScaling.Activated : null, step?.Reason);
    }

    [Fact]
    public void Tasks_in_flight_count_as_lag_so_running_work_keeps_a_pool_awake()
    {
        Assert.Null(ZeroScaling.Decide(Pool(cooldown: 60), 2, Queue(0, ackPending: 1, idleFor: TimeSpan.FromHours(1)), Now));
    }

    [Fact]
    public void A_pool_goes_to_zero_only_after_a_whole_cooldown_without_lag()
    {
        Assert.Null(ZeroScaling.Decide(Pool(cooldown: 60), 3, Queue(0, idleFor: TimeSpan.FromSeconds(59)), Now));

        var step = ZeroScaling.Decide(Pool(cooldown: 60), 3, Queue(0, idleFor: TimeSpan.FromSeconds(60)), Now);

        Assert.Equal(0, step?.Replicas);
        Assert.Equal(ZeroScaling.ScaledToZero, step?.Reason);
    }

    [Fact]
    public void Nothing_is_decided_on_a_failed_read()
    {
        var unreadable = Queue(0, idleFor: TimeSpan.FromHours(1), error: "pool team-a/general has no JetStream consumer");

        Assert.Null(ZeroScaling.Decide(Pool(), 2, unreadable, Now));
        Assert.Null(ZeroScaling.Decide(Pool(), 0, unreadable with { Lag = new QueueLag(10, 0, 0, Now) }, Now));
        Assert.Null(ZeroScaling.Decide(Pool(), 2, null, Now));
    }

    [Fact]
    public void A_pool_that_must_keep_workers_is_lifted_from_zero_for_the_hpa_and_never_lowered_to_it()
    {
        Assert.Equal(1, ZeroScaling.Decide(Pool(min: 2), 0, Queue(0), Now)?.Replicas);
        Assert.Null(ZeroScaling.Decide(Pool(min: 1), 1, Queue(0, idleFor: TimeSpan.FromDays(1)), Now));
    }

    [Theory]
    [InlineData(AutoscalingMode.None, false)]
    [InlineData(AutoscalingMode.Keda, false)]
    [InlineData(AutoscalingMode.Hpa, true)]
    public void Only_the_operator_owned_hpa_mode_steps_between_zero_and_one_and_never_while_suspended(AutoscalingMode mode, bool steps)
    {
        Assert.Equal(steps, ZeroScaling.Decide(Pool(mode: mode), 0, Queue(5), Now) is not null);
        Assert.Null(ZeroScaling.Decide(Pool(mode: mode, suspend: true), 0, Queue(5), Now));
        Assert.Equal(steps, ZeroScaling.MayIdleAtZero(Pool(mode: mode)));
    }
}
