using System.Globalization;
using System.Text.RegularExpressions;

namespace MetaEvolve.Crds.Validation;

/// <summary>The <c>date-time</c> and <c>date</c> string formats (RFC 3339), as the API server accepts them.</summary>
internal static partial class Rfc3339
{
    public static bool IsDateTime(string text)
    {
        var match = DateTime().Match(text);
        return match.Success
            && IsDate(match.Groups["date"].Value)
            && int.Parse(match.Groups["hour"].Value, CultureInfo.InvariantCulture) < 24
            && int.Parse(match.Groups["minute"].Value, CultureInfo.InvariantCulture) < 60
            && int.Parse(match.Groups["second"].Value, CultureInfo.InvariantCulture) < 61;
    }

    public static bool IsDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})[Tt ](?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex DateTime();
}
