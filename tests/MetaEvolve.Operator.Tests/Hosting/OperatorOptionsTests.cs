using Microsoft.Extensions.Configuration;

namespace MetaEvolve.Operator.Tests.Hosting;

/// <summary>Leader-election timings that cannot keep one leader at a time are refused at start, naming the option.</summary>
public class OperatorOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        new OperatorOptions().Validate();
    }

    [Theory]
    [InlineData(10, 10, 2, "Operator:LeaseDuration")]
    [InlineData(15, 20, 2, "Operator:LeaseDuration")]
    [InlineData(15, 2, 2, "Operator:RenewDeadline")]
    [InlineData(15, 10, 0, "Operator:RetryPeriod")]
    public void Lease_duration_renew_deadline_and_retry_period_must_be_in_that_order(int lease, int renew, int retry, string named)
    {
        var options = new OperatorOptions
        {
            LeaseDuration = TimeSpan.FromSeconds(lease),
            RenewDeadline = TimeSpan.FromSeconds(renew),
            RetryPeriod = TimeSpan.FromSeconds(retry),
        };

        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_task_stream_replicas_the_chart_sets_reach_the_options()
    {
        // The chart's connections.nats.streamReplicas is rendered as Operator__TaskStream__Replicas.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Operator:TaskStream:Replicas"] = "3" }).Build();

        var options = configuration.GetSection("Operator").Get<OperatorOptions>()!;

        Assert.Equal(3, options.TaskStream.Replicas);
    }

    [Fact]
    public void A_zero_cache_sync_timeout_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(new OperatorOptions { CacheSyncTimeout = TimeSpan.Zero }.Validate);
        Assert.StartsWith("Operator:CacheSyncTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_region_health_interval_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(new OperatorOptions { RegionHealthInterval = TimeSpan.Zero }.Validate);
        Assert.StartsWith("Operator:RegionHealthInterval", error.Message, StringComparison.Ordinal);
    }
}
