using System.Net.Http.Headers;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Testing;

/// <summary>
/// The checkout's built worker and gateway started as child processes on loopback ports of their own: real Kestrel,
/// real configuration, and a process a test can SIGKILL like a crashed pod.
/// </summary>
public static class BuiltServices
{
    /// <summary>The configuration the checkout was built in (the tests' own), whose assemblies the tests run.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The agent-runtime with <paramref name="connections"/> and <paramref name="settings"/> (Worker__*, Agents__*).</summary>
    public static ChildProcess StartWorker(ConnectionOptions connections, IReadOnlyDictionary<string, string> settings) =>
        Start("worker", "agent-runtime", "MetaEvolve.AgentRuntime", connections, settings);

    /// <summary>The gateway with <paramref name="connections"/> and <paramref name="settings"/> (Gateway__*).</summary>
    public static ChildProcess StartGateway(ConnectionOptions connections, IReadOnlyDictionary<string, string> settings) =>
        Start("gateway", "gateway", "MetaEvolve.Gateway", connections, settings);

    /// <summary>GET <paramref name="path"/> on the service; the body.</summary>
    public static async Task<string> GetStringAsync(this ChildProcess service, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync(new Uri(service.BaseAddress!, path));
    }

    /// <summary>A client of the service, with <paramref name="apiKey"/> as its bearer token when given.</summary>
    public static HttpClient Client(this ChildProcess service, string? apiKey)
    {
        var client = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    private static ChildProcess Start(string name, string folder, string project, ConnectionOptions connections, IReadOnlyDictionary<string, string> settings) =>
        ChildProcess.StartService(name, RepositoryRoot.BuiltAssembly(folder, project, Configuration), connections, settings);
}
