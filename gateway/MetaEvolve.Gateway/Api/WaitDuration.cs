using System.Globalization;

namespace MetaEvolve.Gateway.Api;

/// <summary>Parses <c>?wait=</c>: <c>30s</c>, <c>500ms</c>, <c>2m</c> or plain seconds (<c>30</c>).</summary>
public static class WaitDuration
{
    public static bool TryParse(string? text, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }
        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
        {
            return false;
        }
        wait = TimeSpan.FromSeconds(Math.Min(value * unit, TimeSpan.FromDays(1).TotalSeconds));
        return true;
    }
}
