using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace MetaEvolve.DevCluster.Manifests;

/// <summary>
/// Reads Kubernetes YAML manifests (several documents per file, <c>kind: List</c> expanded) into JSON
/// objects, resolving unquoted scalars as YAML 1.1 does for kubectl: numbers, booleans and null.
/// </summary>
public static class ManifestReader
{
    public static List<JsonObject> ReadFile(string path) => Read(File.ReadAllText(path));

    /// <summary>Every *.yaml / *.yml / *.json file of a folder, in name order, like <c>kubectl apply -f DIR</c>.</summary>
    public static List<JsonObject> ReadDirectory(string directory) =>
        Directory.GetFiles(directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .SelectMany(ReadFile)
            .ToList();

    public static List<JsonObject> Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var objects = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            if (Convert(document.RootNode) is not JsonObject obj)
            {
                continue;
            }

            if ((string?)obj["kind"] == "List" && obj["items"] is JsonArray items)
            {
                objects.AddRange(items.OfType<JsonObject>().Select(i => i.DeepClone().AsObject()));
            }
            else
            {
                objects.Add(obj);
            }
        }

        return objects;
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p =>
            KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", Convert(p.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (value.Length > 0 && (char.IsDigit(value[0]) || value[0] is '-' or '+' or '.')
            && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !value.Contains(':', StringComparison.Ordinal))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(value);
    }
}
