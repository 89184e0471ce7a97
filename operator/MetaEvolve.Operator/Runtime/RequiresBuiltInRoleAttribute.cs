namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// Declares, next to the code that needs it, a role every Kubernetes cluster already has and the operator must be
/// bound to (rather than a rule of its own, <see cref="RequiresPermissionAttribute"/>): what aggregated API servers
/// are granted, <c>system:auth-delegator</c> and the <c>kube-system</c> Role
/// <c>extension-apiserver-authentication-reader</c>. The chart binds each one (charts/metaevolve/templates/
/// operator-rolebindings.yaml) and ChartTests asserts those bindings.
/// </summary>
/// <param name="kind"><c>ClusterRole</c>, or <c>Role</c> with <see cref="Namespace"/>.</param>
/// <param name="name">The role's name.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class RequiresBuiltInRoleAttribute(string kind, string name) : Attribute
{
    public string Kind { get; } = kind;
    public string Name { get; } = name;

    /// <summary>The namespace of a Role (where the RoleBinding goes); null for a ClusterRole.</summary>
    public string? Namespace { get; init; }
}
