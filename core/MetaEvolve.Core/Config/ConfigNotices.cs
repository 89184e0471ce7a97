namespace MetaEvolve.Core.Config;

/// <summary>
/// Keys of the NATS KV bucket (<see cref="NatsNames.ConfigBucket"/>) through which the operator announces configuration changes: key
/// <c>agent.&lt;ns&gt;.&lt;name&gt;</c> or <c>skill.&lt;ns&gt;.&lt;name&gt;</c> → the digest now in the store.
/// Workers watch it and reload by digest; a new worker reads the current values.
/// </summary>
public static class ConfigNotices
{
    public static string AgentKey(string ns, string name) => $"agent.{ns}.{name}";

    public static string SkillKey(string ns, string name) => $"skill.{ns}.{name}";
}
