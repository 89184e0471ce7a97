using k8s;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>A dev control plane on a free loopback port for one test, with a client and kubeconfig for it.</summary>
public sealed class DevClusterHost : IAsyncDisposable
{
    private DevClusterHost(DevApiServer server, string directory)
    {
        Server = server;
        Directory = directory;
    }

    public DevApiServer Server { get; }

    /// <summary>A scratch folder for this test (kubeconfig, kubectl cache, persisted data).</summary>
    public string Directory { get; }

    public static async Task<DevClusterHost> StartAsync(DevClusterOptions? options = null, string? directory = null)
    {
        directory ??= System.IO.Directory.CreateTempSubdirectory("devcluster-test-").FullName;
        var server = new DevApiServer(options ?? new DevClusterOptions());
        await server.StartAsync(TestContext.Current.CancellationToken);
        return new DevClusterHost(server, directory);
    }

    public Kubernetes Client(string user = "test-user") => new(Server.ClientConfiguration(user));

    /// <summary>A raw HTTP client of the server: its CA trusted, <paramref name="user"/>'s token sent.</summary>
    public HttpClient Http(string user = "test-user")
    {
        var http = new HttpClient(Server.Credentials.TrustingHandler()) { BaseAddress = Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Server.Credentials.TokenFor(user));
        return http;
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
