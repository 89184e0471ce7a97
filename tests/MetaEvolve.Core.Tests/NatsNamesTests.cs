namespace MetaEvolve.Core.Tests;

public class NatsNamesTests
{
    [Fact]
    public void The_default_root_keeps_the_installed_names()
    {
        var names = ConnectionOptions.FromEnvironment(_ => null).Names;

        Assert.Equal("METAEVOLVE_TASKS", names.TaskStream);
        Assert.Equal("metaevolve.tasks.>", names.AllTasks);
        Assert.Equal("metaevolve.tasks.ns.pool.agent", names.Task("ns", "pool", "agent"));
        Assert.Equal("metaevolve.tasks.ns.pool.>", names.PoolFilter("ns", "pool"));
        Assert.Equal("metaevolve-config", names.ConfigBucket);
        Assert.Equal("metaevolve.config.applied.ns.a", names.ConfigApplied("ns", "a"));
        Assert.StartsWith("metaevolve.results.", names.Result(Guid.NewGuid()), StringComparison.Ordinal);
        Assert.StartsWith("metaevolve.cancel.", names.Cancel(Guid.NewGuid()), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_name_follows_the_root_variable()
    {
        var names = ConnectionOptions.FromEnvironment(v => v == ConnectionOptions.NatsRootVariable ? "dev-b" : null).Names;

        Assert.Equal("DEV_B_TASKS", names.TaskStream);
        Assert.Equal("dev-b.tasks.>", names.AllTasks);
        Assert.Equal("dev-b-config", names.ConfigBucket);
        Assert.Equal("dev-b.results.*", names.AllResults);
        Assert.Equal("dev-b.cancel.*", names.AllCancels);
        Assert.False(NatsNames.Overlap(names.AllTasks, NatsNames.Default.AllTasks));
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("has.dot")]
    [InlineData("has_underscore")]
    [InlineData("9starts-with-digit")]
    [InlineData("wild*")]
    public void A_root_that_is_not_one_plain_token_is_refused_naming_the_variable(string root)
    {
        var error = Assert.Throws<FormatException>(() => ConnectionOptions.FromEnvironment(v => v == ConnectionOptions.NatsRootVariable ? root : null));
        Assert.Contains(ConnectionOptions.NatsRootVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains(root, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metaevolve.tasks.>", "metaevolve.tasks.ns.>", true)]
    [InlineData(">", "t-1.tasks.>", true)]
    [InlineData("t-1.*.ns.>", "t-1.tasks.>", true)]
    [InlineData("metaevolve.tasks.>", "t-1.tasks.>", false)]
    [InlineData("metaevolve.tasks.a", "metaevolve.tasks.b", false)]
    [InlineData("metaevolve.tasks", "metaevolve.tasks.>", false)]
    [InlineData("metaevolve.tasks.*", "metaevolve.tasks.a", true)]
    public void Overlap_is_a_subject_both_patterns_match(string first, string second, bool overlap)
    {
        Assert.Equal(overlap, NatsNames.Overlap(first, second));
        Assert.Equal(overlap, NatsNames.Overlap(second, first));
    }

    [Fact]
    public void A_pool_filter_maps_back_to_its_pool_only_under_its_own_root()
    {
        var names = new NatsNames("t-x");

        Assert.Equal(("ns", "pool"), names.PoolOf(names.PoolFilter("ns", "pool")));
        Assert.Null(names.PoolOf(NatsNames.Default.PoolFilter("ns", "pool")));
        Assert.True(names.TryParseTask(names.Task("ns", "p", "a"), out var ns, out var pool, out var agent));
        Assert.Equal(("ns", "p", "a"), (ns, pool, agent));
        Assert.False(names.TryParseTask(NatsNames.Default.Task("ns", "p", "a"), out _, out _, out _));
    }
}
