using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// Prints values the way Go's fmt does inside Kubernetes' <c>field.Error</c>: strings quoted
/// (<c>%q</c>), numbers and booleans bare (<c>%v</c>), null as <c>"null"</c>. Objects and lists print as
/// compact JSON, where Go would print its own struct syntax.
/// </summary>
internal static class BadValueText
{
    public static string Format(JsonNode? value)
    {
        if (value is null)
        {
            return "\"null\"";
        }

        if (value is JsonValue scalar)
        {
            switch (scalar.GetValueKind())
            {
                case JsonValueKind.String:
                    return Quote(scalar.GetValue<string>());
                case JsonValueKind.True:
                    return "true";
                case JsonValueKind.False:
                    return "false";
                case JsonValueKind.Number:
                    return JsonNumber.Format(scalar);
                default:
                    break;
            }
        }

        return value.ToJsonString();
    }

    /// <summary>Go's <c>strconv.Quote</c> for the characters that matter in practice.</summary>
    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2);
        builder.Append('"');
        foreach (var rune in text.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < 0x20 or 0x7f:
                    builder.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    break;
                default:
                    builder.Append(rune.ToString());
                    break;
            }
        }

        builder.Append('"');
        return builder.ToString();
    }
}
