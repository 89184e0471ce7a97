namespace MetaEvolve.Gateway.Auth;

/// <summary>Who called: the key's name and the namespaces it may use.</summary>
public sealed record ApiKeyIdentity(string Name, IReadOnlySet<string> Namespaces, int? RequestsPerSecond = null, int? Burst = null)
{
    public bool MayUse(string ns) => Namespaces.Contains("*") || Namespaces.Contains(ns);
}
