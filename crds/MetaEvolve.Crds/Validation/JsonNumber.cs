using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MetaEvolve.Crds.Validation;

/// <summary>
/// Reads JSON numbers whatever CLR type backs the <see cref="JsonValue"/> (parsed JSON, int, long,
/// double, byte from YAML...), the way Kubernetes decodes them: integral values are integers
/// (<c>1.0</c> included), everything else is a double.
/// </summary>
internal static class JsonNumber
{
    public static bool IsNumber(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number;

    public static bool TryGetInteger(JsonValue value, out long integer)
    {
        var text = value.ToJsonString();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer))
        {
            return true;
        }

        var number = GetDouble(value);
        if (Math.Floor(number) == number && number >= long.MinValue && number <= long.MaxValue)
        {
            integer = (long)number;
            return true;
        }

        integer = 0;
        return false;
    }

    public static double GetDouble(JsonValue value) =>
        double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Go's <c>%v</c>: integers bare, other numbers in shortest round-trip form.</summary>
    public static string Format(JsonValue value) =>
        TryGetInteger(value, out var integer)
            ? integer.ToString(CultureInfo.InvariantCulture)
            : Format(GetDouble(value));

    public static string Format(double number) =>
        number.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
}
