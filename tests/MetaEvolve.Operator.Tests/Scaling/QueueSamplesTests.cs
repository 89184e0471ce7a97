using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;

namespace MetaEvolve.Operator.Tests.Scaling;

public class QueueSamplesTests
{
    private static readonly ObjectKey Pool = new("team-a", "general");
    private static readonly DateTime T0 = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Unchanged_figures_are_not_a_change_and_keep_the_time_they_were_first_read()
    {
        var samples = new QueueSamples(new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()));

        Assert.True(samples.Record(Pool, new QueueLag(3, 1, 0, T0)));
        Assert.False(samples.Record(Pool, new QueueLag(3, 1, 0, T0.AddSeconds(5))));
        Assert.Equal(T0, samples.Get(Pool)!.Lag!.SampledAt);

        Assert.True(samples.Record(Pool, new QueueLag(2, 1, 0, T0.AddSeconds(10))));
        Assert.Equal(T0.AddSeconds(10), samples.Get(Pool)!.Lag!.SampledAt);
    }

    [Fact]
    public void Last_active_is_the_last_reading_with_lag()
    {
        var samples = new QueueSamples(new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()));
        samples.Record(Pool, new QueueLag(0, 0, 0, T0));
        Assert.Equal(T0, samples.Get(Pool)!.LastActive);

        samples.Record(Pool, new QueueLag(0, 2, 0, T0.AddSeconds(5)));
        samples.Record(Pool, new QueueLag(0, 0, 0, T0.AddSeconds(9)));

        Assert.Equal(T0.AddSeconds(5), samples.Get(Pool)!.LastActive);
    }

    [Fact]
    public void A_failed_read_is_an_error_not_a_zero_and_recovering_from_it_is_a_change()
    {
        var samples = new QueueSamples(new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()));
        samples.Record(Pool, new QueueLag(4, 0, 0, T0));

        Assert.True(samples.Fail(Pool, "no consumer", T0.AddSeconds(1)));
        Assert.False(samples.Fail(Pool, "no consumer", T0.AddSeconds(2)));
        var failed = samples.Get(Pool)!;
        Assert.Equal("no consumer", failed.Error);
        Assert.Equal(4, failed.Lag!.Pending);

        Assert.True(samples.Record(Pool, new QueueLag(4, 0, 0, T0.AddSeconds(3))));
        Assert.Null(samples.Get(Pool)!.Error);
    }

    [Fact]
    public void A_reading_older_than_the_stored_one_changes_nothing()
    {
        var samples = new QueueSamples(new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()));
        samples.Record(Pool, new QueueLag(5, 0, 0, T0.AddSeconds(10)));

        Assert.False(samples.Record(Pool, new QueueLag(9, 0, 0, T0.AddSeconds(4))));
        Assert.False(samples.Fail(Pool, "no consumer", T0.AddSeconds(4)));

        Assert.Equal((5L, (string?)null), (samples.Get(Pool)!.Lag!.Pending, samples.Get(Pool)!.Error));
    }

    [Fact]
    public void The_gauges_follow_every_reading_and_a_failed_one_removes_the_series()
    {
        var metrics = new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry());
        var samples = new QueueSamples(metrics);
        bool HasSeries() => metrics.QueueLag.GetAllLabelValues().Any(l => l.SequenceEqual(["team-a", "general"]));

        samples.Record(Pool, new QueueLag(3, 2, 0, T0));
        Assert.Equal(5, metrics.QueueLag.WithLabels("team-a", "general").Value);
        Assert.Equal(3, metrics.QueuePending.WithLabels("team-a", "general").Value);

        samples.Fail(Pool, "no consumer", T0.AddSeconds(1));
        Assert.False(HasSeries());

        samples.Record(Pool, new QueueLag(0, 1, 0, T0.AddSeconds(2)));
        Assert.True(HasSeries());
        samples.Forget(Pool);
        Assert.False(HasSeries());
    }
}
