using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MetaEvolve.Cli.Tasks;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Cli.Dev;

/// <summary>
/// The task gateway of <c>metaevolve dev up</c>: a fresh API key (all namespaces, admin: the developer reaches every task) whose hash goes to
/// <c>.metaevolve/api-keys.json</c>, the gateway as a child process on loopback, and <c>.metaevolve/gateway.json</c>
/// (url + key), which the task commands read, so <c>metaevolve submit</c> needs no flags while dev up runs.
/// </summary>
public sealed class DevGateway(string root, int port, TextWriter output) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly string[] AllNamespaces = ["*"];
    private static readonly string[] AdminScope = ["admin"];
    private ChildProcess? _process;

    public Uri Url { get; } = new($"http://127.0.0.1:{port}");

    public string ConfigPath => Path.Combine(root, GatewaySettings.StateDirectory, GatewaySettings.ConfigFileName);

    public void Start()
    {
        var state = Path.Combine(root, GatewaySettings.StateDirectory);
        Directory.CreateDirectory(state);
        var key = "dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var keysFile = Path.Combine(state, "api-keys.json");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        File.WriteAllText(keysFile, JsonSerializer.Serialize(new { keys = new[] { new { name = "dev", sha256 = hash, namespaces = AllNamespaces, scopes = AdminScope } } }, Json));
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(new GatewaySettings.ConfigFile(Url.ToString(), key, "default"), Json));
        if (!OperatingSystem.IsWindows())
        {
            // The key is a credential: readable by this user only.
            File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var log = Path.Combine(state, "gateway.log");
        _process = ChildProcess.StartProject(root, "gateway", "MetaEvolve.Gateway", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = Url.ToString(),
            ["Gateway__ApiKeysFile"] = keysFile,
        }, log);
        output.WriteLine($"      gateway on {Url} (logs in {Path.GetRelativePath(root, log)}); task commands read {Path.GetRelativePath(root, ConfigPath)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        // A stale config would point the CLI at a gateway that no longer runs.
        File.Delete(ConfigPath);
    }
}
