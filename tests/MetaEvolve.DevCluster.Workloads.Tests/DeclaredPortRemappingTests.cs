namespace MetaEvolve.DevCluster.Workloads.Tests;

public sealed class DeclaredPortRemappingTests
{
    private static readonly ReplicaPorts Ports = new(new Dictionary<int, int> { [8080] = 41001, [6443] = 41002, [8443] = 41003 });

    private static Dictionary<string, string> Remap(Dictionary<string, string> env, Dictionary<string, string>? runnerPorts = null)
    {
        DeclaredPortRemapping.Apply(env, Ports, runnerPorts ?? []);
        return env;
    }

    [Fact]
    public void AspNetCore_urls_get_the_host_port_of_each_declared_port()
    {
        var env = Remap(new() { ["ASPNETCORE_URLS"] = "http://+:8080;https://localhost:8443/base;http://0.0.0.0:9000;http://[::]:6443" });
        Assert.Equal("http://+:41001;https://localhost:41003/base;http://0.0.0.0:9000;http://[::]:41002", env["ASPNETCORE_URLS"]);
    }

    [Fact]
    public void AspNetCore_port_lists_are_remapped_entry_by_entry()
    {
        var env = Remap(new() { ["ASPNETCORE_HTTP_PORTS"] = "8080;9000", ["ASPNETCORE_HTTPS_PORTS"] = "8443" });
        Assert.Equal("41001;9000", env["ASPNETCORE_HTTP_PORTS"]);
        Assert.Equal("41003", env["ASPNETCORE_HTTPS_PORTS"]);
    }

    [Fact]
    public void A_value_that_is_exactly_a_declared_port_becomes_its_host_port_and_nothing_else_changes()
    {
        var env = Remap(new()
        {
            ["Operator__ExternalMetrics__Port"] = "6443",
            ["UNDECLARED"] = "7070",
            ["MENTIONS"] = "listen on 6443",
            ["ADDRESS"] = "127.0.0.1:6443",
            ["SIGNED"] = "+6443",
        });
        Assert.Equal("41002", env["Operator__ExternalMetrics__Port"]);
        Assert.Equal("7070", env["UNDECLARED"]);
        Assert.Equal("listen on 6443", env["MENTIONS"]);
        Assert.Equal("127.0.0.1:6443", env["ADDRESS"]);
        Assert.Equal("+6443", env["SIGNED"]);
    }

    [Fact]
    public void The_runners_own_port_variables_stay_unless_the_pod_replaced_them()
    {
        // A host port that happens to equal a declared container port must not be mapped a second time.
        var ports = new ReplicaPorts(new Dictionary<int, int> { [8080] = 8443, [8443] = 41003 });
        var env = new Dictionary<string, string> { ["PORT"] = "8443", ["PORT_HTTP"] = "8080" };
        DeclaredPortRemapping.Apply(env, ports, new Dictionary<string, string> { ["PORT"] = "8443", ["PORT_HTTP"] = "8443" });
        Assert.Equal("8443", env["PORT"]);
        Assert.Equal("8443", env["PORT_HTTP"]);
    }
}
