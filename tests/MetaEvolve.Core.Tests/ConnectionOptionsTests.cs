namespace MetaEvolve.Core.Tests;

public class ConnectionOptionsTests
{
    private static ConnectionOptions Read(params (string Name, string Value)[] variables)
    {
        var values = variables.ToDictionary(v => v.Name, v => v.Value);
        return ConnectionOptions.FromEnvironment(name => values.GetValueOrDefault(name));
    }

    [Fact]
    public void Without_variables_the_defaults_match_the_services_script()
    {
        var options = Read();

        Assert.Equal("nats://127.0.0.1:14222", options.NatsUrl);
        Assert.Equal("Host=127.0.0.1;Port=15432;Username=metaevolve;Password=metaevolve;Database=metaevolve", options.Postgres);
        Assert.Equal("127.0.0.1:16379", options.Redis);
    }

    [Fact]
    public void Port_variables_move_the_defaults_to_another_port_block()
    {
        var options = Read(
            ("METAEVOLVE_NATS_PORT", "24222"),
            ("METAEVOLVE_POSTGRES_PORT", "25432"),
            ("METAEVOLVE_REDIS_PORT", "26379"));

        Assert.Equal("nats://127.0.0.1:24222", options.NatsUrl);
        Assert.Contains("Port=25432;", options.Postgres, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:26379", options.Redis);
    }

    [Fact]
    public void Connection_variables_win_over_ports()
    {
        var options = Read(
            ("METAEVOLVE_NATS_PORT", "24222"),
            ("METAEVOLVE_NATS_URL", "nats://nats.example:4222"),
            ("METAEVOLVE_POSTGRES", "Host=db;Database=x"),
            ("METAEVOLVE_REDIS", "cache:6379,abortConnect=false"));

        Assert.Equal("nats://nats.example:4222", options.NatsUrl);
        Assert.Equal("Host=db;Database=x", options.Postgres);
        Assert.Equal("cache:6379,abortConnect=false", options.Redis);
    }

    [Fact]
    public void Empty_variables_count_as_unset()
    {
        var options = Read(("METAEVOLVE_NATS_URL", "  "), ("METAEVOLVE_REDIS_PORT", ""));

        Assert.Equal(Read(), options);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("70000")]
    [InlineData("-1")]
    public void A_port_that_is_not_a_port_is_rejected_naming_the_variable(string port)
    {
        var error = Assert.Throws<FormatException>(() => Read(("METAEVOLVE_POSTGRES_PORT", port)));

        Assert.Contains("METAEVOLVE_POSTGRES_PORT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_parameterless_overload_reads_the_process_environment()
    {
        Assert.Equal(ConnectionOptions.FromEnvironment(Environment.GetEnvironmentVariable), ConnectionOptions.FromEnvironment());
    }
}
