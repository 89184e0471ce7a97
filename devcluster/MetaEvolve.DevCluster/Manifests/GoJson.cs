using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Manifests;

/// <summary>
/// JSON as Go's encoding/json writes a map: keys sorted, compact, &lt; &gt; &amp; escaped. kubectl stores
/// its last-applied-configuration this way and compares the string, so writing the same bytes lets
/// a later <c>kubectl apply</c> of the same file report "unchanged".
/// </summary>
public static class GoJson
{
    public static string Serialize(JsonNode? node)
    {
        var builder = new StringBuilder();
        Write(builder, node);
        return builder.ToString();
    }

    private static void Write(StringBuilder b, JsonNode? node)
    {
        switch (node)
        {
            case null:
                b.Append("null");
                break;
            case JsonObject o:
                b.Append('{');
                var first = true;
                foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        b.Append(',');
                    }

                    first = false;
                    String(b, key);
                    b.Append(':');
                    Write(b, value);
                }

                b.Append('}');
                break;
            case JsonArray a:
                b.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        b.Append(',');
                    }

                    Write(b, a[i]);
                }

                b.Append(']');
                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                String(b, s);
                break;
            case JsonValue v when v.TryGetValue<bool>(out var flag):
                b.Append(flag ? "true" : "false");
                break;
            case JsonValue v when v.TryGetValue<long>(out var integer):
                b.Append(integer.ToString(CultureInfo.InvariantCulture));
                break;
            case JsonValue v when v.TryGetValue<double>(out var number):
                b.Append(number.ToString("R", CultureInfo.InvariantCulture));
                break;
            default:
                b.Append(node.ToJsonString());
                break;
        }
    }

    private static void String(StringBuilder b, string s)
    {
        b.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    b.Append("\\\"");
                    break;
                case '\\':
                    b.Append("\\\\");
                    break;
                case '\n':
                    b.Append("\\n");
                    break;
                case '\r':
                    b.Append("\\r");
                    break;
                case '\t':
                    b.Append("\\t");
                    break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                case < ' ':
                    b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    b.Append(c);
                    break;
            }
        }

        b.Append('"');
    }
}
