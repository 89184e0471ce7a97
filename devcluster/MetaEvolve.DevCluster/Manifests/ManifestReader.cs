using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace MetaEvolve.DevCluster.Manifests;

/// <summary>
/// Reads Kubernetes YAML manifests (several documents per file, <c>kind: List</c> expanded) into JSON
/// objects; scalars resolve as kubectl resolves them (<see cref="YamlScalars"/>).
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
        YamlScalarNode scalar => YamlScalars.ToJson(scalar),
        _ => null,
    };
}
