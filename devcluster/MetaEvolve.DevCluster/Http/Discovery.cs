using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// Legacy discovery documents (<c>/api</c>, <c>/apis</c>, <c>/api/v1</c>, <c>/apis/g/v</c>). Clients that
/// ask for aggregated discovery first get these as plain JSON, which tells them to use the legacy
/// endpoints, exactly as against a server without aggregated discovery.
/// </summary>
public static class Discovery
{
    private static readonly string[] ResourceVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    public static JsonObject Version(int minor) => new()
    {
        ["major"] = "1",
        ["minor"] = minor.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["gitVersion"] = $"v1.{minor}.0-metaevolve-dev",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.24.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject Groups(IReadOnlyList<ResourceType> types) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(types.Where(t => t.Group.Length > 0).GroupBy(t => t.Group)
            .Select(g => (JsonNode)Group(g.Key, g.ToList())!).ToArray()),
    };

    public static JsonObject? Group(string name, IReadOnlyList<ResourceType> all)
    {
        var types = all.Where(t => t.Group == name).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var versions = types.Select(t => t.Version).Distinct().OrderByDescending(VersionPriority).ToList();
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = name,
            ["versions"] = new JsonArray(versions.Select(v => (JsonNode)GroupVersion(name, v)).ToArray()),
            ["preferredVersion"] = GroupVersion(name, versions[0]),
        };
    }

    private static JsonObject GroupVersion(string group, string version) =>
        new() { ["groupVersion"] = $"{group}/{version}", ["version"] = version };

    /// <summary>Kubernetes version ordering: GA above beta above alpha, higher numbers first.</summary>
    public static int VersionPriority(string version)
    {
        var match = System.Text.RegularExpressions.Regex.Match(version, "^v(\\d+)(?:(alpha|beta)(\\d+))?$");
        if (!match.Success)
        {
            return 0;
        }

        var major = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var stage = match.Groups[2].Value switch { "alpha" => 1, "beta" => 2, _ => 3 };
        var minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (stage * 1000 + major) * 1000 + minor;
    }

    public static JsonObject? Resources(string group, string version, IReadOnlyList<ResourceType> all)
    {
        var types = all.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var t in types)
        {
            var resource = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray((t.Verbs ?? ResourceVerbs).Select(v => (JsonNode)v).ToArray()),
            };
            if (t.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray(t.ShortNames.Select(s => (JsonNode)s).ToArray());
            }

            if (t.Categories.Count > 0)
            {
                resource["categories"] = new JsonArray(t.Categories.Select(s => (JsonNode)s).ToArray());
            }

            resources.Add(resource);
            if (t.HasStatus)
            {
                resources.Add(Subresource(t, "status", t.Kind, null));
            }

            if (t.Scale is not null)
            {
                resources.Add(Subresource(t, "scale", "Scale", ("autoscaling", "v1")));
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = types[0].GroupVersion,
            ["resources"] = resources,
        };
    }

    private static JsonObject Subresource(ResourceType t, string name, string kind, (string Group, string Version)? gv)
    {
        var o = new JsonObject
        {
            ["name"] = $"{t.Plural}/{name}",
            ["singularName"] = "",
            ["namespaced"] = t.Namespaced,
            ["kind"] = kind,
            ["verbs"] = new JsonArray(SubresourceVerbs.Select(v => (JsonNode)v).ToArray()),
        };
        if (gv is { } g)
        {
            o["group"] = g.Group;
            o["version"] = g.Version;
        }

        return o;
    }
}
