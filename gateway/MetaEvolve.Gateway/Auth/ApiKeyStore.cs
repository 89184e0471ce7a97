using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MetaEvolve.Gateway.Auth;

/// <summary>
/// The API keys of the mounted keys file. A presented key is hashed and compared with every stored hash in
/// constant time, so neither the comparison nor the position of a match leaks through timing. The file is
/// re-read when it changes (a rotated Secret), checked at most every few seconds.
/// </summary>
public sealed class ApiKeyStore(GatewayOptions options, TimeProvider time, ILogger<ApiKeyStore> logger)
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(5);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    private readonly Lock _gate = new();
    private (byte[] Hash, ApiKeyIdentity Identity)[] _keys = [];
    private DateTime _loadedWriteTime = DateTime.MinValue;
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;

    /// <summary>The identity of <paramref name="presentedKey"/>, or null when no stored hash matches.</summary>
    public ApiKeyIdentity? Find(string presentedKey)
    {
        ArgumentNullException.ThrowIfNull(presentedKey);
        var keys = Current();
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey), hash);
        ApiKeyIdentity? match = null;
        foreach (var (stored, identity) in keys)
        {
            // No early exit: every presented key costs the same number of comparisons.
            if (CryptographicOperations.FixedTimeEquals(stored, hash))
            {
                match = identity;
            }
        }
        return match;
    }

    public static string HashHex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private (byte[] Hash, ApiKeyIdentity Identity)[] Current()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (now - _checkedAt < CheckEvery)
            {
                return _keys;
            }
            _checkedAt = now;
            try
            {
                var writeTime = File.GetLastWriteTimeUtc(options.ApiKeysFile);
                if (writeTime != _loadedWriteTime)
                {
                    _keys = Load(options.ApiKeysFile);
                    _loadedWriteTime = writeTime;
                    logger.LogInformation("Loaded {Count} API keys from {File}", _keys.Length, options.ApiKeysFile);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or FormatException)
            {
                // Keep serving the keys loaded last: a half-written rotation must not lock everyone out.
                logger.LogError(ex, "Could not load API keys from {File}; keeping the {Count} loaded before", options.ApiKeysFile, _keys.Length);
            }
            return _keys;
        }
    }

    private static (byte[] Hash, ApiKeyIdentity Identity)[] Load(string path)
    {
        var file = JsonSerializer.Deserialize<ApiKeyFile>(File.ReadAllBytes(path), Json) ?? new ApiKeyFile();
        return [.. file.Keys.Select(k =>
        {
            var hash = Convert.FromHexString(k.Sha256.Trim());
            if (hash.Length != SHA256.HashSizeInBytes || string.IsNullOrWhiteSpace(k.Name))
            {
                throw new FormatException($"API key entry '{k.Name}' needs a name and a 64-hex-digit sha256");
            }
            if (k.Scopes.FirstOrDefault(scope => !KeyScopes.All.Contains(scope)) is { } unknown)
            {
                throw new FormatException($"API key entry '{k.Name}': scopes: unknown scope '{unknown}' (known: {string.Join(", ", KeyScopes.All)})");
            }
            return (hash, new ApiKeyIdentity(k.Name, k.Namespaces.ToHashSet(StringComparer.Ordinal), k.RequestsPerSecond, k.Burst)
            {
                Scopes = (k.Scopes.Count == 0 ? KeyScopes.Default : k.Scopes).ToHashSet(StringComparer.Ordinal),
                Agents = k.Agents.ToHashSet(StringComparer.Ordinal),
            });
        })];
    }
}
