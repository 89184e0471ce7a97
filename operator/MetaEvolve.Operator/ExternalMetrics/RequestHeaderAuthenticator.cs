using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Primitives;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// k8s.io/apiserver's RequestHeaderAuthenticator: a request is believed to come from the aggregator only when its
/// TLS client certificate chains to the requestheader client CA (and, when allowed names are configured, its CN is
/// one of them); only then are its username, group and extra headers trusted. Anything else is refused with the
/// reason — there is no fallback to anonymous.
/// </summary>
public static class RequestHeaderAuthenticator
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    public static AggregatorUser Authenticate(X509Certificate2? clientCertificate, IDictionary<string, StringValues> headers, RequestHeaderSettings settings, DateTimeOffset now)
    {
        if (clientCertificate is null)
        {
            throw new AuthenticationRefusedException("no client certificate: only the aggregator (with the requestheader client certificate) may call this API");
        }

        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(settings.ClientAuthorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
            if (!chain.Build(clientCertificate))
            {
                var problems = string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
                throw new AuthenticationRefusedException(
                    $"client certificate {clientCertificate.Subject} is not signed by the requestheader client CA ({problems})");
            }
        }

        var commonName = clientCertificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (settings.AllowedNames.Count > 0 && !settings.AllowedNames.Contains(commonName, StringComparer.Ordinal))
        {
            throw new AuthenticationRefusedException(
                $"client certificate CN={commonName} is not one of the requestheader allowed names [{string.Join(", ", settings.AllowedNames)}]");
        }

        var user = settings.UsernameHeaders.Select(h => headers.TryGetValue(h, out var v) ? v.FirstOrDefault(s => !string.IsNullOrEmpty(s)) : null)
            .FirstOrDefault(v => v is not null);
        if (user is null)
        {
            throw new AuthenticationRefusedException($"the aggregator named no user (none of the headers {string.Join(", ", settings.UsernameHeaders)})");
        }

        var groups = settings.GroupHeaders.SelectMany(h => headers.TryGetValue(h, out var v) ? Values(v) : []).ToList();
        var extra = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var prefix in settings.ExtraHeaderPrefixes)
        {
            foreach (var (name, values) in headers)
            {
                if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    // Extra keys travel percent-encoded in header names and are lower-case, as the aggregator writes them.
                    var key = Uri.UnescapeDataString(name[prefix.Length..]).ToLowerInvariant();
                    if (!extra.TryGetValue(key, out var list))
                    {
                        extra[key] = list = [];
                    }

                    list.AddRange(Values(values));
                }
            }
        }

        return new AggregatorUser(user, groups, extra.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal));
    }

    /// <summary>
    /// The values of a repeated header. HTTP lets a sender or proxy fold repeated fields into one comma-separated line
    /// (RFC 9110 §5.3), and .NET's HttpClient always does, so a folded line is split again; the price is that a group
    /// or extra value with a comma in it cannot be forwarded (Kubernetes names none so).
    /// </summary>
    private static IEnumerable<string> Values(StringValues values) =>
        values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>The caller is not the aggregator; answered 401 with this message.</summary>
public sealed class AuthenticationRefusedException(string message) : Exception(message);
