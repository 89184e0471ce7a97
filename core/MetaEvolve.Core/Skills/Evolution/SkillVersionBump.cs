using System.Globalization;
using System.Text.RegularExpressions;

namespace MetaEvolve.Core.Skills.Evolution;

/// <summary>
/// The version a proposal gets when the agent names none: the next patch version after the newest one known, else
/// 1.0.0. Versions follow the Skill schema (<c>v?MAJOR[.MINOR[.PATCH]][-|+suffix]</c>); a suffix is dropped and missing
/// parts count as 0, so 1.2 → 1.2.1, v2 → v2.0.1 and 1.0.0-rc.1 → 1.0.1.
/// </summary>
public static partial class SkillVersionBump
{
    public const string First = "1.0.0";

    public static string Next(IEnumerable<string?> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        Parsed? newest = null;
        foreach (var version in known.Select(Parse))
        {
            if (version is { } v && (newest is null || v.CompareTo(newest.Value) > 0))
            {
                newest = v;
            }
        }

        return newest is { } n ? $"{n.Prefix}{n.Major}.{n.Minor}.{n.Patch + 1}" : First;
    }

    public static bool IsValid(string version) => Pattern().IsMatch(version) && version.Length <= 64;

    private static Parsed? Parse(string? version)
    {
        var match = version is null ? null : Pattern().Match(version);
        if (match is not { Success: true })
        {
            return null;
        }

        var parts = match.Groups["numbers"].Value.Split('.').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToList();
        return new Parsed(match.Groups["prefix"].Value, parts[0], parts.Count > 1 ? parts[1] : 0, parts.Count > 2 ? parts[2] : 0);
    }

    [GeneratedRegex(@"^(?<prefix>v?)(?<numbers>[0-9]{1,15}(\.[0-9]{1,15}){0,2})([-+][0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Pattern();

    private readonly record struct Parsed(string Prefix, long Major, long Minor, long Patch)
    {
        public int CompareTo(Parsed other) => (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));
    }
}
