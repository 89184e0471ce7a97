using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.AgentRuntime.Tests.Agents;

/// <summary>
/// The built gateway as a child process over an <see cref="AgentEnvironment"/>'s store and NATS root, so a test can go
/// through the public API to the agents it scripts; <see cref="Key"/> is an API key for the environment's namespace and
/// <see cref="OtherKey"/> one for another namespace only; <see cref="ApproverKey"/> also holds the approve scope.
/// </summary>
public sealed class AgentGateway : IAsyncDisposable
{
    private readonly string _keysFile = Path.Combine(Path.GetTempPath(), $"metaevolve-agent-gateway-keys-{Guid.NewGuid():N}.json");

    private AgentGateway()
    {
    }

    public string Key { get; } = "k-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string OtherKey { get; } = "o-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string ApproverKey { get; } = "a-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public ChildProcess Process { get; private set; } = null!;

    public Uri BaseAddress => Process.BaseAddress!;

    /// <summary>Started and ready; <paramref name="extra"/> adds environment variables (OTEL_*, Gateway__*).</summary>
    public static async Task<AgentGateway> StartAsync(AgentEnvironment env, IDictionary<string, string>? extra = null)
    {
        var gateway = new AgentGateway();
        await File.WriteAllTextAsync(gateway._keysFile, JsonSerializer.Serialize(new
        {
            keys = new object[]
            {
                new { name = "tests", sha256 = Hash(gateway.Key), namespaces = new[] { env.Namespace } },
                new { name = "elsewhere", sha256 = Hash(gateway.OtherKey), namespaces = new[] { "some-other-namespace" } },
                new { name = "approver", sha256 = Hash(gateway.ApproverKey), namespaces = new[] { env.Namespace }, scopes = new[] { "submit", "read", "approve" } },
            },
        }));
        var settings = new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
        {
            ["Gateway__Schema"] = env.Pipeline.Schema,
            ["Gateway__ApiKeysFile"] = gateway._keysFile,
        };
        gateway.Process = BuiltServices.StartGateway(env.Pipeline.Connections, settings);
        await gateway.Process.WaitReadyAsync(ServiceStartup.Limit);
        return gateway;
    }

    public HttpClient Client() => Process.Client(Key);

    public async ValueTask DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        File.Delete(_keysFile);
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
