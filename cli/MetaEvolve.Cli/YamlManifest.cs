using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Manifests;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MetaEvolve.Cli;

/// <summary>
/// A manifest read from YAML as JSON (what the validator and the API types take), keeping where each field
/// sits in the file, so errors found in the JSON or inside a block scalar point back into the YAML.
/// </summary>
internal sealed partial class YamlManifest
{
    private readonly Dictionary<string, YamlNode> _nodes = new(StringComparer.Ordinal);
    private readonly string[] _lines;

    private YamlManifest(string text, YamlNode root)
    {
        _lines = text.Split('\n');
        Json = Convert(root, "") as JsonObject ?? throw new YamlManifestException(root.Start, "the document is not a mapping");
    }

    public JsonObject Json { get; }

    /// <summary>Parses the first YAML document of <paramref name="text"/>.</summary>
    /// <exception cref="YamlManifestException">The text is not YAML, or its document is not a mapping.</exception>
    public static YamlManifest Parse(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException exception)
        {
            throw new YamlManifestException(exception.Start, exception.InnerException?.Message ?? exception.Message);
        }

        return stream.Documents.Count == 0
            ? throw new YamlManifestException(Mark.Empty, "the file holds no YAML document")
            : new YamlManifest(text, stream.Documents[0].RootNode);
    }

    /// <summary>Position of a field path (<c>spec.tests[0].expect</c>); the nearest existing parent otherwise.</summary>
    public (int Line, int Column) PositionOf(string fieldPath)
    {
        // Validator paths name map entries as [key]; ours as .key.
        fieldPath = MapKey().Replace(fieldPath, m => "." + m.Groups[1].Value);
        for (var path = fieldPath; ; path = Parent(path))
        {
            if (_nodes.TryGetValue(path, out var node))
            {
                return ((int)node.Start.Line, (int)node.Start.Column);
            }

            if (path.Length == 0)
            {
                return (1, 1);
            }
        }
    }

    /// <summary>
    /// Maps a 1-based position inside the string at <paramref name="fieldPath"/> to the file. Exact for literal
    /// block scalars (<c>source: |</c>), where every content line is one file line at a fixed indentation; for
    /// other scalar styles the position of the scalar itself.
    /// </summary>
    public (int Line, int Column) PositionInside(string fieldPath, int line, int column)
    {
        if (!_nodes.TryGetValue(fieldPath, out var node) || node is not YamlScalarNode { Style: ScalarStyle.Literal })
        {
            return PositionOf(fieldPath);
        }

        // Start is the '|' indicator; content begins on the next line, indented like its first non-blank line.
        var firstContentLine = (int)node.Start.Line + 1;
        var indent = _lines.Skip(firstContentLine - 1).Take((int)node.End.Line - firstContentLine + 1)
            .Where(l => l.Trim().Length > 0)
            .Select(l => l.Length - l.TrimStart(' ').Length)
            .DefaultIfEmpty(0)
            .First();
        return (firstContentLine + line - 1, indent + column);
    }

    private JsonNode? Convert(YamlNode node, string path)
    {
        _nodes[path] = node;
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    _nodes[childPath] = value;
                    obj[name] = Convert(value, childPath);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    array.Add(Convert(sequence.Children[i], $"{path}[{i}]"));
                }

                return array;
            case YamlScalarNode scalar:
                return YamlScalars.ToJson(scalar);
            default:
                throw new YamlManifestException(node.Start, "aliases are not supported in manifests");
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[([^\]0-9][^\]]*)\]")]
    private static partial System.Text.RegularExpressions.Regex MapKey();

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }
}
