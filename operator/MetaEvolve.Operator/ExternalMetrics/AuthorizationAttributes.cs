namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// What a request asks, as the API server's request-info resolver would put it to an authorizer: under
/// <c>/apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}[/{name}]</c> a resource request (the metric
/// is the resource; <c>list</c> without a name, <c>get</c> with one); any other path (discovery) a non-resource
/// request for that path.
/// </summary>
public sealed record AuthorizationAttributes(string Verb, string Path, string? Namespace = null, string? Resource = null, string? Name = null)
{
    public bool IsResourceRequest => Resource is not null;

    public static AuthorizationAttributes Of(string method, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var read = method is "GET" or "HEAD";
        if (segments is ["apis", ExternalMetricsDocuments.Group, ExternalMetricsDocuments.Version, "namespaces", var ns, var resource, .. var rest] && rest.Length <= 1)
        {
            var named = rest.Length == 1;
            var verb = read ? (named ? "get" : "list") : method.ToLowerInvariant();
            return new AuthorizationAttributes(verb, path, ns, resource, named ? rest[0] : null);
        }

        return new AuthorizationAttributes(read ? "get" : method.ToLowerInvariant(), path);
    }

    /// <summary>How a denial names the request: <c>list external.metrics.k8s.io/x in namespace n</c>, or the verb and path.</summary>
    public override string ToString() => IsResourceRequest
        ? $"{Verb} resource \"{Resource}\" in API group \"{ExternalMetricsDocuments.Group}\" in the namespace \"{Namespace}\""
        : $"{Verb} path \"{Path}\"";
}
