namespace MetaEvolve.Gateway.Auth;

/// <summary>One key of the keys file: only the SHA-256 of the key is stored, never the key.</summary>
public sealed record ApiKeyEntry
{
    public string Name { get; init; } = "";

    /// <summary>Hex SHA-256 of the key's UTF-8 bytes (<c>printf %s "$KEY" | sha256sum</c>).</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>Namespaces the key may use; <c>*</c> means all.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    /// <summary>What the key may do (<see cref="KeyScopes"/>); empty means <c>submit</c> and <c>read</c>.</summary>
    public IReadOnlyList<string> Scopes { get; init; } = [];

    /// <summary>The agents the key may submit to; empty means every agent of its namespaces.</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>This key's request rate; unset means the gateway's <see cref="GatewayOptions.RequestsPerSecond"/>.</summary>
    public int? RequestsPerSecond { get; init; }

    /// <summary>This key's burst; unset means the gateway's <see cref="GatewayOptions.Burst"/>.</summary>
    public int? Burst { get; init; }
}

/// <summary>The keys file's shape.</summary>
public sealed record ApiKeyFile
{
    public IReadOnlyList<ApiKeyEntry> Keys { get; init; } = [];
}
