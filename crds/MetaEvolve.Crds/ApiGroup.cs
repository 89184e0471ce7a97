namespace MetaEvolve.Crds;

/// <summary>The API group and version every MetaEvolve resource is served under.</summary>
public static class ApiGroup
{
    public const string Group = "metaevolve.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;
}
