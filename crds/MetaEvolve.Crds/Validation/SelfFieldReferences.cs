using System.Text.RegularExpressions;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// A small part of the type checking Kubernetes does when it admits a CRD: every <c>self.a.b</c> chain in
/// a rule must name fields the schema declares. The Cel package does not type-check, and without this a
/// rule reading a misspelt field would just report "no such key" on every object.
/// </summary>
internal static partial class SelfFieldReferences
{
    private static readonly string[] ResourceFields = ["apiVersion", "kind", "metadata"];

    /// <summary>The first field a rule selects from <c>self</c> that the schema does not declare, or null.</summary>
    public static string? FindUndefined(string expression, SchemaNode owner)
    {
        var code = StringLiteral().Replace(expression, "''");
        foreach (Match chain in SelfChain().Matches(code))
        {
            var segments = chain.Groups["segment"].Captures.Select(c => c.Value).ToList();
            if (chain.Groups["call"].Success)
            {
                // self.name.size(): the last segment is a method, not a field.
                segments.RemoveAt(segments.Count - 1);
            }

            if (FindUndefined(segments, owner) is { } undefined)
            {
                return undefined;
            }
        }

        return null;
    }

    private static string? FindUndefined(List<string> segments, SchemaNode node)
    {
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var name = Unescape(segment);
            if (node.IsResource && name == "metadata")
            {
                // Kubernetes shows rules only these two fields of ObjectMeta.
                return i + 1 < segments.Count && segments[i + 1] is not ("name" or "generateName") ? segments[i + 1] : null;
            }

            if (node.IsResource && ResourceFields.Contains(name) && !node.Properties.ContainsKey(name))
            {
                return null;
            }

            // Maps, objects keeping unknown fields, int-or-string and untyped values are dynamic in CEL.
            if (node.Type != "object" || node.AdditionalProperties is not null || node.KeepsUnknownFields)
            {
                return null;
            }

            if (!node.Properties.TryGetValue(name, out var property))
            {
                return segment;
            }

            node = property;
        }

        return null;
    }

    /// <summary>Kubernetes' escaping of property names that are not CEL identifiers.</summary>
    private static string Unescape(string segment) => segment
        .Replace("__underscores__", "__", StringComparison.Ordinal)
        .Replace("__dot__", ".", StringComparison.Ordinal)
        .Replace("__dash__", "-", StringComparison.Ordinal)
        .Replace("__slash__", "/", StringComparison.Ordinal);

    [GeneratedRegex(@"'(?:[^'\\]|\\.)*'|""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\bself(?:\.(?<segment>[A-Za-z_][A-Za-z0-9_]*))+(?<call>\s*\()?")]
    private static partial Regex SelfChain();
}
