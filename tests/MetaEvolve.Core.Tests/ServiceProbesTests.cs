using System.Net;
using System.Net.Sockets;
using MetaEvolve.Testing;

namespace MetaEvolve.Core.Tests;

// The gate every integration test relies on: an unreachable service must produce a message that
// names it, its address and the command that starts it (the test then fails in CI, skips elsewhere).
public class ServiceProbesTests
{
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ConnectionOptions Unreachable(int port) => new()
    {
        NatsUrl = $"nats://127.0.0.1:{port}",
        Postgres = $"Host=127.0.0.1;Port={port};Username=metaevolve;Password=metaevolve;Database=metaevolve",
        Redis = $"127.0.0.1:{port}",
    };

    [Fact]
    public async Task An_unreachable_service_is_reported_with_its_address_and_how_to_start_it()
    {
        var port = ClosedPort();
        var options = Unreachable(port);

        var problems = new Dictionary<string, string?>
        {
            ["PostgreSQL"] = await ServiceProbes.PostgresAsync(options),
            ["NATS"] = await ServiceProbes.NatsAsync(options),
            ["Redis"] = await ServiceProbes.RedisAsync(options),
        };

        foreach (var (service, problem) in problems)
        {
            Assert.NotNull(problem);
            Assert.StartsWith($"{service} is not reachable at 127.0.0.1:{port}", problem, StringComparison.Ordinal);
            Assert.Contains("hack/services.sh up", problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    [Trait(Services.Trait, Services.Needed)]
    public async Task A_running_service_passes_its_probe()
    {
        await Services.RequirePostgresAsync();
        await Services.RequireNatsAsync();
        await Services.RequireRedisAsync();

        Assert.Null(await ServiceProbes.PostgresAsync(Services.Connections));
        Assert.Null(await ServiceProbes.NatsAsync(Services.Connections));
        Assert.Null(await ServiceProbes.RedisAsync(Services.Connections));
    }
}
