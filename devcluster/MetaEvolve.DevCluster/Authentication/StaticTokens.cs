using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace MetaEvolve.DevCluster.Authentication;

/// <summary>
/// Bearer tokens of named users (kube-apiserver's <c>--token-auth-file</c>): random tokens, one per user, kept in
/// a CSV of <c>token,user,uid,"group1,group2"</c> lines when the control plane has a data directory, so a kubeconfig
/// written by one run keeps working in the next.
/// </summary>
public sealed class StaticTokens
{
    private readonly ConcurrentDictionary<string, Caller> _callers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly Lock _gate = new();

    public StaticTokens(string? path)
    {
        _path = path;
        if (path is null || !File.Exists(path))
        {
            return;
        }

        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            var fields = line.Split(',', 4);
            var groups = fields.Length > 3 ? fields[3].Trim('"').Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
            _callers[fields[0]] = new Caller(fields[1], groups);
            _tokens[fields[1]] = fields[0];
        }
    }

    /// <summary>The token of <paramref name="user"/>, issued on first use; the user's groups are those given then.</summary>
    public string TokenFor(string user, IReadOnlyList<string> groups)
    {
        if (_tokens.TryGetValue(user, out var existing))
        {
            return existing;
        }

        lock (_gate)
        {
            if (_tokens.TryGetValue(user, out existing))
            {
                return existing;
            }

            var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            _callers[token] = new Caller(user, groups);
            _tokens[user] = token;
            if (_path is not null)
            {
                CertificateAuthority.WritePrivate(_path, string.Concat(_callers.Select(c =>
                    $"{c.Key},{c.Value.Name},{c.Value.Name},\"{string.Join(',', c.Value.Groups)}\"\n")));
            }

            return token;
        }
    }

    public Caller? CallerOf(string token) => _callers.GetValueOrDefault(token);
}
