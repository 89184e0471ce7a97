namespace MetaEvolve.Gateway.Tasks;

/// <summary>The store has no agent of that name in that namespace (the operator projects every Ready Agent).</summary>
public sealed class UnknownAgentException(string ns, string agent) : Exception($"agent '{agent}' is not known in namespace '{ns}'")
{
    public string Namespace { get; } = ns;
    public string Agent { get; } = agent;
}
