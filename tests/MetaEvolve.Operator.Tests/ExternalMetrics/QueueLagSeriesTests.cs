using MetaEvolve.Crds.Labels;
using MetaEvolve.Operator.ExternalMetrics;
using MetaEvolve.Operator.Scaling;

namespace MetaEvolve.Operator.Tests.ExternalMetrics;

public sealed class QueueLagSeriesTests
{
    private static readonly DateTime At = new(2026, 11, 28, 3, 0, 0, DateTimeKind.Utc);

    private static readonly Dictionary<(string, string), QueueLag> Lags = new()
    {
        [("team-a", "alpha")] = new QueueLag(2, 1, 0, At),
        [("team-a", "beta")] = new QueueLag(0, 0, 0, At),
        [("team-a", "gamma")] = new QueueLag(7, 0, 3, At),
        [("team-b", "alpha")] = new QueueLag(100, 0, 0, At),
    };

    [Theory]
    [InlineData("", "alpha=3,beta=0,gamma=7")]
    [InlineData("metaevolve.io/pool=alpha", "alpha=3")]
    [InlineData("metaevolve.io/pool in (alpha,gamma,zeta)", "alpha=3,gamma=7")]
    [InlineData("metaevolve.io/pool notin (alpha)", "beta=0,gamma=7")]
    [InlineData("metaevolve.io/pool!=beta", "alpha=3,gamma=7")]
    [InlineData("metaevolve.io/pool", "alpha=3,beta=0,gamma=7")]
    [InlineData("!metaevolve.io/pool", "")]
    [InlineData("other=x", "")]
    [InlineData("other!=x", "alpha=3,beta=0,gamma=7")]
    [InlineData("metaevolve.io/pool=alpha,metaevolve.io/pool!=alpha", "")]
    public void Series_are_the_namespaces_pools_the_selector_matches(string selector, string expected) =>
        Assert.Equal(expected, string.Join(",", QueueLagSeries.Select("team-a", LabelSelector.Parse(selector), Lags).Select(s => $"{s.Pool}={s.Lag.Lag}")));

    [Fact]
    public void Another_namespaces_pools_are_not_series_of_this_one() =>
        Assert.Equal(["alpha"], QueueLagSeries.Select("team-b", LabelSelector.Everything, Lags).Select(s => s.Pool));

    [Theory]
    [InlineData("metaevolve.io/pool=alpha", "alpha")]
    [InlineData("metaevolve.io/pool==alpha", "alpha")]
    [InlineData("metaevolve.io/pool in (alpha)", "alpha")]
    [InlineData("app=x,metaevolve.io/pool=alpha", "alpha")]
    [InlineData("metaevolve.io/pool in (alpha,beta)", null)]
    [InlineData("metaevolve.io/pool!=alpha", null)]
    [InlineData("metaevolve.io/pool notin (alpha)", null)]
    [InlineData("", null)]
    public void Only_equality_on_the_pool_label_reads_one_consumer_directly(string selector, string? pool) =>
        Assert.Equal(pool, QueueLagSeries.PinnedPool(LabelSelector.Parse(selector)));
}
