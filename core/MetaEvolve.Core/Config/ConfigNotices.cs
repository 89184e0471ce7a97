namespace MetaEvolve.Core.Config;

/// <summary>
/// The NATS KV bucket through which the operator announces configuration changes: key
/// <c>agent.&lt;ns&gt;.&lt;name&gt;</c> or <c>skill.&lt;ns&gt;.&lt;name&gt;</c> → the digest now in the store.
/// Workers watch it and reload by digest; a new worker reads the current values.
/// </summary>
public static class ConfigNotices
{
    public const string Bucket = "metaevolve-config";

    public static string AgentKey(string ns, string name) => $"agent.{ns}.{name}";

    public static string SkillKey(string ns, string name) => $"skill.{ns}.{name}";
}
