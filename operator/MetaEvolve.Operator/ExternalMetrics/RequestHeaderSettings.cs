using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// How the kube-aggregator proves itself and names the user it forwards a request for: the requestheader keys of
/// ConfigMap <c>kube-system/extension-apiserver-authentication</c>, which kube-apiserver writes from its
/// <c>--requestheader-*</c> flags. Every key but the CA is a JSON array of strings, as the API server writes them.
/// </summary>
public sealed record RequestHeaderSettings(
    X509Certificate2Collection ClientAuthorities,
    IReadOnlyList<string> AllowedNames,
    IReadOnlyList<string> UsernameHeaders,
    IReadOnlyList<string> GroupHeaders,
    IReadOnlyList<string> ExtraHeaderPrefixes)
{
    public const string ConfigMapNamespace = "kube-system";
    public const string ConfigMapName = "extension-apiserver-authentication";
    public const string ClientCaKey = "requestheader-client-ca-file";
    public const string AllowedNamesKey = "requestheader-allowed-names";
    public const string UsernameHeadersKey = "requestheader-username-headers";
    public const string GroupHeadersKey = "requestheader-group-headers";
    public const string ExtraHeadersPrefixKey = "requestheader-extra-headers-prefix";

    /// <summary>The settings in a ConfigMap's data; a missing or malformed key is an error naming it (never an open door).</summary>
    public static RequestHeaderSettings Parse(IDictionary<string, string>? data)
    {
        if (data is null || !data.TryGetValue(ClientCaKey, out var pem) || string.IsNullOrWhiteSpace(pem))
        {
            throw new RequestHeaderSettingsException($"ConfigMap {ConfigMapNamespace}/{ConfigMapName} has no {ClientCaKey}: the API server runs without an aggregator client CA");
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPem(pem);
        }
        catch (CryptographicException exception)
        {
            throw new RequestHeaderSettingsException($"{ClientCaKey} of ConfigMap {ConfigMapNamespace}/{ConfigMapName} is not PEM certificates: {exception.Message}");
        }

        if (authorities.Count == 0)
        {
            throw new RequestHeaderSettingsException($"{ClientCaKey} of ConfigMap {ConfigMapNamespace}/{ConfigMapName} holds no certificate");
        }

        var usernames = Strings(data, UsernameHeadersKey);
        if (usernames.Count == 0)
        {
            throw new RequestHeaderSettingsException($"ConfigMap {ConfigMapNamespace}/{ConfigMapName} names no {UsernameHeadersKey}");
        }

        return new RequestHeaderSettings(authorities, Strings(data, AllowedNamesKey), usernames, Strings(data, GroupHeadersKey), Strings(data, ExtraHeadersPrefixKey));
    }

    private static List<string> Strings(IDictionary<string, string> data, string key)
    {
        if (!data.TryGetValue(key, out var json) || string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            return [.. (JsonSerializer.Deserialize<string?[]>(json) ?? []).Where(s => !string.IsNullOrEmpty(s)).Select(s => s!)];
        }
        catch (JsonException exception)
        {
            throw new RequestHeaderSettingsException($"{key} of ConfigMap {ConfigMapNamespace}/{ConfigMapName} is not a JSON array of strings: {exception.Message}");
        }
    }
}

/// <summary>The requestheader settings cannot be used; requests are refused with this message until they can.</summary>
public sealed class RequestHeaderSettingsException(string message) : Exception(message);
