using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// The JSONPath subset printer columns and scale paths use: <c>.a.b</c>, <c>[0]</c>, <c>[*]</c>,
/// <c>['key.with.dots']</c> and filters <c>[?(@.type=="Ready")]</c>.
/// </summary>
public static class JsonPathQuery
{
    public static List<JsonNode?> Evaluate(JsonNode? root, string path)
    {
        var current = new List<JsonNode?> { root };
        var p = path.Trim();
        if (p.StartsWith('{') && p.EndsWith('}'))
        {
            p = p[1..^1];
        }

        if (p.StartsWith('$'))
        {
            p = p[1..];
        }

        var i = 0;
        while (i < p.Length && current.Count > 0)
        {
            if (p[i] == '.')
            {
                i++;
                var start = i;
                while (i < p.Length && p[i] != '.' && p[i] != '[')
                {
                    i++;
                }

                var name = p[start..i];
                current = name.Length == 0 ? current : Select(current, n => n is JsonObject o && o.TryGetPropertyValue(name, out var v) ? [v] : []);
            }
            else if (p[i] == '[')
            {
                var end = FindClose(p, i);
                var inner = p[(i + 1)..end];
                i = end + 1;
                current = Bracket(current, inner);
            }
            else
            {
                // Tolerate a path without a leading dot ("spec.replicas").
                p = "." + p[i..];
                i = 0;
            }
        }

        return current;
    }

    /// <summary>The first match as a printable string (kubectl joins several with commas), "" when absent.</summary>
    public static object? First(JsonNode? root, string path)
    {
        var matches = Evaluate(root, path).Where(n => n is not null).ToList();
        if (matches.Count == 0)
        {
            return null;
        }

        if (matches.Count > 1)
        {
            return string.Join(",", matches.Select(Text));
        }

        return matches[0];
    }

    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private static int FindClose(string p, int open)
    {
        var depth = 0;
        var quote = '\0';
        for (var i = open; i < p.Length; i++)
        {
            var c = p[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '[')
            {
                depth++;
            }
            else if (c == ']' && --depth == 0)
            {
                return i;
            }
        }

        throw new FormatException($"unclosed '[' in JSONPath {p}");
    }

    private static List<JsonNode?> Bracket(List<JsonNode?> current, string inner)
    {
        inner = inner.Trim();
        if (inner == "*")
        {
            return Select(current, n => n switch
            {
                JsonArray a => [.. a],
                JsonObject o => o.Select(x => x.Value).ToList(),
                _ => [],
            });
        }

        if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
        {
            var filter = inner[2..^1];
            return Select(current, n => n is JsonArray a ? a.Where(e => FilterMatches(e, filter)).ToList() : []);
        }

        if (inner.Length >= 2 && inner[0] is '\'' or '"')
        {
            var key = inner[1..^1];
            return Select(current, n => n is JsonObject o && o.TryGetPropertyValue(key, out var v) ? [v] : []);
        }

        if (int.TryParse(inner, out var index))
        {
            return Select(current, n => n is JsonArray a && a.Count > 0
                ? [a[index < 0 ? a.Count + index : index] is var e && index < a.Count && index >= -a.Count ? e : null]
                : []);
        }

        return [];
    }

    /// <summary>Filters of the form <c>@.a.b=="v"</c>, <c>@.a!='v'</c> or <c>@.a</c> (exists).</summary>
    private static bool FilterMatches(JsonNode? element, string filter)
    {
        foreach (var op in new[] { "==", "!=" })
        {
            var at = filter.IndexOf(op, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var left = filter[..at].Trim();
            var right = filter[(at + 2)..].Trim().Trim('"', '\'');
            var value = Evaluate(element, left.TrimStart('@')).FirstOrDefault();
            var equal = value is not null && Text(value) == right;
            return op == "==" ? equal : !equal;
        }

        return Evaluate(element, filter.Trim().TrimStart('@')).Any(n => n is not null);
    }

    private static List<JsonNode?> Select(List<JsonNode?> nodes, Func<JsonNode?, List<JsonNode?>> step) =>
        nodes.SelectMany(step).ToList();
}
