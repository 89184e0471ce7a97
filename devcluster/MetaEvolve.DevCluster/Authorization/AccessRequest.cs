namespace MetaEvolve.DevCluster.Authorization;

/// <summary>
/// What an authorizer is asked, as a SubjectAccessReview's spec puts it: a user and groups, and either a resource
/// request (verb, group, resource, subresource, namespace, name) or a non-resource one (verb and path).
/// </summary>
public sealed record AccessRequest(string User, IReadOnlyList<string> Groups, string Verb)
{
    public string Group { get; init; } = "";
    public string? Resource { get; init; }
    public string? Subresource { get; init; }

    /// <summary>Empty or null: cluster-scoped, or all namespaces.</summary>
    public string? Namespace { get; init; }
    public string? Name { get; init; }

    /// <summary>The path of a non-resource request (<c>/apis</c>, <c>/healthz</c>).</summary>
    public string? Path { get; init; }

    public bool IsResourceRequest => Resource is not null;
}

/// <summary>An authorizer's answer; <see cref="Reason"/> names the binding that allowed, or is empty.</summary>
public sealed record AccessDecision(bool Allowed, string Reason);
