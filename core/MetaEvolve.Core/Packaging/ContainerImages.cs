namespace MetaEvolve.Core.Packaging;

/// <summary>
/// The one naming scheme of MetaEvolve's images, <c>ghcr.io/metaevolve/&lt;component&gt;</c>, tagged with the
/// <see cref="ProductVersion"/>: what <c>make images</c> builds, the chart deploys and the operator gives pools.
/// </summary>
public static class ContainerImages
{
    public const string Repository = "ghcr.io/metaevolve";

    public const string Operator = "operator";
    public const string AgentRuntime = "agent-runtime";
    public const string Gateway = "gateway";

    /// <summary><c>ghcr.io/metaevolve/&lt;component&gt;:&lt;tag&gt;</c>, by default at this build's version.</summary>
    public static string Reference(string component, string? tag = null) => $"{Repository}/{component}:{tag ?? ProductVersion.Current}";
}
