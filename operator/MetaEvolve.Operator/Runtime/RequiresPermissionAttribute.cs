namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Declares an RBAC permission the annotated component needs, next to the code that uses it. <c>make manifests</c>
/// collects every declaration into the operator's ClusterRole (config/rbac/operator-clusterrole.yaml), or, with
/// <see cref="OperatorNamespaceOnly"/>, into the Role it gets in its own namespace (config/rbac/operator-role.yaml).
/// </summary>
/// <param name="group">API group ("" for the core group).</param>
/// <param name="resource">Resource, or resource/subresource (e.g. <c>agentpools/status</c>).</param>
/// <param name="verbs">Comma-separated verbs.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RequiresPermissionAttribute(string group, string resource, string verbs) : Attribute
{
    public string Group { get; } = group;
    public string Resource { get; } = resource;
    public IReadOnlyList<string> Verbs { get; } = [.. verbs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>Needed only in the operator's own namespace (its leader-election Lease), so granted by a Role there.</summary>
    public bool OperatorNamespaceOnly { get; init; }
}
