using System.Text.Json;

namespace MetaEvolve.Cli.Tasks;

/// <summary>
/// Where the gateway is and which key to use. Each setting comes from the first of: the command-line flag, the
/// environment (<c>METAEVOLVE_GATEWAY_URL</c>, <c>METAEVOLVE_API_KEY</c>, <c>METAEVOLVE_NAMESPACE</c>), the config file
/// (<c>METAEVOLVE_CONFIG</c>, else the nearest <c>.metaevolve/gateway.json</c> above the working directory, which
/// <c>metaevolve dev up</c> writes, else <c>~/.metaevolve/gateway.json</c>).
/// </summary>
public sealed record GatewaySettings(Uri Url, string? ApiKey, string Namespace, string Source)
{
    public const string UrlVariable = "METAEVOLVE_GATEWAY_URL";
    public const string KeyVariable = "METAEVOLVE_API_KEY";
    public const string NamespaceVariable = "METAEVOLVE_NAMESPACE";
    public const string ConfigVariable = "METAEVOLVE_CONFIG";
    public const string ConfigFileName = "gateway.json";
    public const string StateDirectory = ".metaevolve";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The config file's shape.</summary>
    public sealed record ConfigFile(string? Url, string? Key, string? Namespace);

    public static GatewaySettings Resolve(string? urlFlag, string? keyFlag, string? namespaceFlag, Func<string, string?> environment, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Env(string name) => string.IsNullOrWhiteSpace(environment(name)) ? null : environment(name)!.Trim();

        var path = Env(ConfigVariable) ?? FindConfig(workingDirectory, Env("HOME"));
        ConfigFile? file = null;
        if (path is not null)
        {
            try
            {
                file = JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(path), Json);
            }
            catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
            {
                throw new GatewaySettingsException($"cannot read the config file {path}: {ex.Message}");
            }
        }

        var urlText = urlFlag ?? Env(UrlVariable) ?? file?.Url
            ?? throw new GatewaySettingsException(
                $"no gateway URL: pass --gateway-url, set {UrlVariable}, or run `metaevolve dev up` (it writes {StateDirectory}/{ConfigFileName})");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new GatewaySettingsException($"gateway URL '{urlText}' is not an absolute http(s) URL");
        }
        var source = urlFlag is not null ? "--gateway-url" : Env(UrlVariable) is not null ? UrlVariable : path!;
        return new GatewaySettings(url, keyFlag ?? Env(KeyVariable) ?? file?.Key, namespaceFlag ?? Env(NamespaceVariable) ?? file?.Namespace ?? "default", source);
    }

    private static string? FindConfig(string workingDirectory, string? home)
    {
        for (var dir = new DirectoryInfo(workingDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, StateDirectory, ConfigFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        var inHome = home is null ? null : Path.Combine(home, StateDirectory, ConfigFileName);
        return inHome is not null && File.Exists(inHome) ? inHome : null;
    }
}

/// <summary>The gateway settings are missing or invalid; the message says which and how to give them.</summary>
public sealed class GatewaySettingsException : Exception
{
    public GatewaySettingsException() { }
    public GatewaySettingsException(string message) : base(message) { }
    public GatewaySettingsException(string message, Exception innerException) : base(message, innerException) { }
}
