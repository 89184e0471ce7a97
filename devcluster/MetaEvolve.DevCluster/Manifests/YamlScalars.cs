using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MetaEvolve.DevCluster.Manifests;

/// <summary>
/// What a YAML scalar of a manifest means in JSON, resolved as kubectl resolves it (sigs.k8s.io/yaml over go-yaml
/// v2, i.e. YAML 1.1): quoted and block scalars, and <c>!!str</c>, are strings; a plain scalar is null
/// (<c>~</c>, <c>null</c>, empty), a boolean (<c>true</c>, <c>yes</c>, <c>on</c>, <c>y</c> and their opposites), an
/// integer (decimal, <c>0x1F</c>, <c>0o17</c>, <c>017</c>, <c>0b101</c>, with <c>_</c> separators) or a number
/// (<c>1e3</c>, <c>.5</c>), else a string. The dev control plane's manifest reader and the CLI's <c>skill test</c>
/// share it, so a file means the same to both and to a real cluster.
/// </summary>
public static class YamlScalars
{
    private const string StringTag = "tag:yaml.org,2002:str";

    public static JsonValue? ToJson(YamlScalarNode scalar)
    {
        ArgumentNullException.ThrowIfNull(scalar);
        var value = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain || (scalar.Tag.IsGlobal && scalar.Tag.Value == StringTag))
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y" => JsonValue.Create(true),
            "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N" => JsonValue.Create(false),
            _ when Integer(value) is { } integer => JsonValue.Create(integer),
            _ when Number(value) is { } number => JsonValue.Create(number),
            _ => JsonValue.Create(value),
        };
    }

    /// <summary>go-yaml v2: underscores dropped, then Go's <c>ParseInt(s, 0, 64)</c> (sign, 0x / 0o / 0b / leading-0 octal).</summary>
    private static long? Integer(string value)
    {
        var text = value.Replace("_", "", StringComparison.Ordinal);
        var negative = text.StartsWith('-');
        var digits = text.TrimStart('-', '+');
        if (text.Length - digits.Length > 1 || digits.Length == 0)
        {
            return null;
        }

        var (radix, body) = digits switch
        {
            ['0', 'x' or 'X', .. var rest] => (16, rest),
            ['0', 'o' or 'O', .. var rest] => (8, rest),
            ['0', 'b' or 'B', .. var rest] => (2, rest),
            ['0', _, ..] => (8, digits[1..]),
            _ => (10, digits),
        };
        if (body.Length == 0 || !body.All(c => char.IsAsciiHexDigit(c) && HexValue(c) < radix))
        {
            return null;
        }

        try
        {
            var magnitude = Convert.ToInt64(body, radix);
            return negative ? -magnitude : magnitude;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (char.ToLowerInvariant(c) - 'a') + 10;

    /// <summary>go-yaml v2's float form <c>[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?</c>; <c>.inf</c> and <c>.nan</c> have no JSON form and stay strings.</summary>
    private static double? Number(string value)
    {
        var text = value.Replace("_", "", StringComparison.Ordinal);
        var mantissa = text.TrimStart('-', '+');
        if (text.Length - mantissa.Length > 1 || mantissa.Length == 0 || !(char.IsAsciiDigit(mantissa[0]) || (mantissa[0] == '.' && mantissa.Length > 1 && char.IsAsciiDigit(mantissa[1]))))
        {
            return null;
        }

        return mantissa.All(c => char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '-' or '+')
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number)
                ? number
                : null;
    }
}
