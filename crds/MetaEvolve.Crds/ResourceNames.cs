namespace MetaEvolve.Crds;

/// <summary>
/// Agent, Skill and AgentPool names become NATS subject tokens and KV keys, so each is a DNS-1123 label
/// of at most 50 characters: no dots (they separate subject tokens) and room for suffixes in child names.
/// </summary>
public static class ResourceNames
{
    public const int MaxLength = 50;
    public const string LabelPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    public const string NameRule =
        "self.metadata.name.size() <= 50 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')";

    public const string NameRuleMessage =
        "metadata.name must be a DNS-1123 label of at most 50 characters (lower case alphanumerics and '-'), because it becomes a NATS subject token";
}
