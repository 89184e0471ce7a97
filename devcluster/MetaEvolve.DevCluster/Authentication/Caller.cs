namespace MetaEvolve.DevCluster.Authentication;

/// <summary>An authenticated user as Kubernetes authorization sees it: a name and groups.</summary>
public sealed record Caller(string Name, IReadOnlyList<string> Groups)
{
    public const string Authenticated = "system:authenticated";
    public const string Masters = "system:masters";
    public const string Anonymous = "system:anonymous";
}
