using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace MetaEvolve.DevCluster.Authentication;

/// <summary>
/// The control plane's one issuer of ServiceAccount tokens (the TokenRequest API's role): the local kubelet
/// asks for a token per pod, and a request bearing it is known as <c>system:serviceaccount:&lt;ns&gt;:&lt;sa&gt;</c>.
/// Tokens are random and kept in memory only, so they die with the control plane (pods started again by a new
/// run get new ones).
/// </summary>
public sealed class ServiceAccountTokens
{
    private readonly ConcurrentDictionary<string, (string Namespace, string Name)> _accounts = new(StringComparer.Ordinal);

    public static string UserName(string ns, string serviceAccount) => $"system:serviceaccount:{ns}:{serviceAccount}";

    public string Issue(string ns, string serviceAccount)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _accounts[token] = (ns, serviceAccount);
        return token;
    }

    /// <summary>Forgets a token (its pod is gone).</summary>
    public void Revoke(string token) => _accounts.TryRemove(token, out _);

    public (string Namespace, string Name)? AccountOf(string token) => _accounts.TryGetValue(token, out var account) ? account : null;
}
