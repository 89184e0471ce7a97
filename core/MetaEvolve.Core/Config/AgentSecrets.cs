namespace MetaEvolve.Core.Config;

/// <summary>
/// How a worker finds an agent's model API key: the operator puts it into the pool's pods as an environment
/// variable per agent (from the Secret the Agent names); the key itself is never written to the store.
/// </summary>
public static class AgentSecrets
{
    public const string ApiKeyPrefix = "METAEVOLVE_APIKEY_";

    /// <summary><c>METAEVOLVE_APIKEY_</c> + the agent name upper-cased with '-' as '_' (names are DNS labels).</summary>
    public static string ApiKeyVariable(string agentName)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentName);
        return ApiKeyPrefix + agentName.ToUpperInvariant().Replace('-', '_');
    }
}
