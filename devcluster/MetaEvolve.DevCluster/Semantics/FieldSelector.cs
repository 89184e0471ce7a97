using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// A field selector (<c>metadata.name=x,status.phase!=Running</c>). Real servers allow a fixed set of
/// fields per resource; here any dotted path of the object can be selected, a superset that accepts
/// everything kubectl and the operator send (metadata.name, metadata.namespace, involvedObject.*).
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(string Path, string Value, bool Equal)> _terms = [];

    public static FieldSelector Everything { get; } = new();

    /// <summary>The exact name asked for with <c>metadata.name=</c>, if any (lets list skip a scan).</summary>
    public string? Name => _terms.FirstOrDefault(t => t.Path == "metadata.name" && t.Equal).Value;

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ne = raw.IndexOf("!=", StringComparison.Ordinal);
            if (ne > 0)
            {
                selector._terms.Add((raw[..ne], raw[(ne + 2)..], false));
                continue;
            }

            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw ApiException.BadRequest($"invalid field selector: '{raw}': expected an operator");
            }

            selector._terms.Add((raw[..eq], raw[(eq + 1)..].TrimStart('='), true));
        }

        return selector;
    }

    public bool Matches(JsonObject obj) => _terms.All(t => (Resolve(obj, t.Path) == t.Value) == t.Equal);

    private static string Resolve(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }
}
