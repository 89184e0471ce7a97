using YamlDotNet.RepresentationModel;

namespace MetaEvolve.Release.Tests;

/// <summary>One object of a release's manifest (<c>helm get manifest</c>): what kubectl needs to look it up.</summary>
public sealed record ReleaseObject(string ApiVersion, string Kind, string Name, string Namespace)
{
    /// <summary>Every object of a multi-document manifest; objects without a namespace get the release's.</summary>
    public static IReadOnlyList<ReleaseObject> Parse(string manifest, string releaseNamespace)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(manifest));
        return [.. stream.Documents
            .Select(document => document.RootNode)
            .OfType<YamlMappingNode>()
            .Select(root => new ReleaseObject(
                Scalar(root, "apiVersion"),
                Scalar(root, "kind"),
                Scalar((YamlMappingNode)root["metadata"], "name"),
                root["metadata"] is YamlMappingNode metadata && metadata.Children.ContainsKey("namespace") ? Scalar(metadata, "namespace") : releaseNamespace))];
    }

    /// <summary>
    /// <c>kubectl get</c> of this object that prints its name, or nothing when it is gone (TYPE.GROUP, so a kind of two
    /// groups is never mistaken; the namespace is ignored for cluster-scoped kinds).
    /// </summary>
    public string[] GetArguments()
    {
        var group = ApiVersion.Contains('/', StringComparison.Ordinal) ? "." + ApiVersion[..ApiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
        return ["get", Kind.ToLowerInvariant() + group, Name, "-n", Namespace, "--ignore-not-found", "-o", "name"];
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode { Value: { } text } ? text : throw new FormatException($"manifest object without {key}");
}
