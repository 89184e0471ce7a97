namespace MetaEvolve.Gateway.Auth;

/// <summary>Who called: the key's name, the namespaces it may use, what it may do there and to which agents.</summary>
public sealed record ApiKeyIdentity(string Name, IReadOnlySet<string> Namespaces, int? RequestsPerSecond = null, int? Burst = null)
{
    public IReadOnlySet<string> Scopes { get; init; } = KeyScopes.Default.ToHashSet(StringComparer.Ordinal);

    /// <summary>Empty: every agent.</summary>
    public IReadOnlySet<string> Agents { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public bool MayUse(string ns) => Namespaces.Contains("*") || Namespaces.Contains(ns);

    public bool IsAdmin => Scopes.Contains(KeyScopes.Admin);

    public bool Has(string scope) => IsAdmin || Scopes.Contains(scope);

    public bool MayCall(string agent) => Agents.Count == 0 || Agents.Contains(agent);

    /// <summary>Whether this key may act on a task <paramref name="submittedBy"/> submitted: its own, or any with admin.</summary>
    public bool Owns(string? submittedBy) => IsAdmin || submittedBy == Name;
}
