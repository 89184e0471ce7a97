namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// A parsed resource URL: <c>/api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]</c> or the
/// same under <c>/apis/{group}/{version}</c>; the legacy <c>/watch/</c> prefix sets <see cref="Watch"/>.
/// </summary>
public sealed record ResourcePath(string Group, string Version, string? Namespace, string Resource, string? Name, string? Subresource, bool Watch)
{
    /// <summary>
    /// Parses the path; <paramref name="isNamespaced"/> tells whether a resource name is namespaced,
    /// which decides what <c>/namespaces/x/status</c> means. Returns null for discovery paths.
    /// </summary>
    public static ResourcePath? Parse(string path, Func<string, string, string, bool?> isNamespaced, out string group, out string version)
    {
        group = "";
        version = "";
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        int rest;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            version = segments[1];
            rest = 2;
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            group = segments[1];
            version = segments[2];
            rest = 3;
        }
        else
        {
            return null;
        }

        var watch = false;
        if (segments.Length > rest && segments[rest] == "watch")
        {
            watch = true;
            rest++;
        }

        var parts = segments[rest..];
        if (parts.Length == 0)
        {
            return null;
        }

        if (parts.Length >= 3 && parts[0] == "namespaces" && isNamespaced(group, version, parts[2]) == true)
        {
            return new ResourcePath(group, version, parts[1], parts[2], parts.Length > 3 ? parts[3] : null,
                parts.Length > 4 ? string.Join('/', parts[4..]) : null, watch);
        }

        return new ResourcePath(group, version, null, parts[0], parts.Length > 1 ? parts[1] : null,
            parts.Length > 2 ? string.Join('/', parts[2..]) : null, watch);
    }
}
