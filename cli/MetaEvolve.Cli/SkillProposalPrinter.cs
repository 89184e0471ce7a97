using System.Globalization;
using System.Text.Json;

namespace MetaEvolve.Cli;

/// <summary>
/// How <c>metaevolve skill proposals</c> prints: the gateway's JSON as-is with <c>-o json</c>, otherwise an aligned table
/// with the diagnostics of each rejected proposal under its row, so the reason a skill never appeared is on screen.
/// </summary>
internal sealed class SkillProposalPrinter(TextWriter output, bool json, DateTimeOffset now)
{
    private const string Gap = "   ";
    private const string None = "-";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly string[] Header = ["ID", "AGENT", "SKILL", "VERSION", "STATE", "REASON", "DECIDED-BY", "AGE"];

    public async Task ListAsync(JsonElement list)
    {
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(list, Indented));
            return;
        }
        var proposals = list.GetProperty("items").EnumerateArray().ToList();
        if (proposals.Count == 0)
        {
            await output.WriteLineAsync("No skill proposals.");
            return;
        }
        var rows = proposals.Select(Cells).ToList();
        var widths = Header.Select((title, column) => rows.Max(row => row[column].Length) is var widest && widest > title.Length ? widest : title.Length).ToArray();
        await output.WriteLineAsync(Line(Header, widths));
        for (var i = 0; i < proposals.Count; i++)
        {
            await output.WriteLineAsync(Line(rows[i], widths));
            foreach (var detail in Details(proposals[i]))
            {
                await output.WriteLineAsync($"    {detail}");
            }
        }
    }

    /// <summary>Age as kubectl shows it: the largest whole unit, seconds up to two minutes, hours up to two days.</summary>
    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 120 } => Invariant($"{Math.Max(0, (int)age.TotalSeconds)}s"),
        { TotalMinutes: < 120 } => Invariant($"{(int)age.TotalMinutes}m"),
        { TotalHours: < 48 } => Invariant($"{(int)age.TotalHours}h"),
        _ => Invariant($"{(int)age.TotalDays}d"),
    };

    private string[] Cells(JsonElement p) =>
    [
        // The first 8 hex digits tell proposals apart on one screen; -o json has the whole id.
        p.GetProperty("id").GetString()![..8],
        Text(p, "agent"),
        Text(p, "skill"),
        Text(p, "version"),
        Text(p, "state"),
        Text(p, "reason"),
        Text(p, "decidedBy"),
        Age(now - p.GetProperty("createdAt").GetDateTimeOffset()),
    ];

    // A rejected proposal's diagnostics, or its message when it has none (a person's rejection, a superseded version).
    private static IEnumerable<string> Details(JsonElement p)
    {
        if (Text(p, "state") != "Rejected")
        {
            return [];
        }
        var diagnostics = p.TryGetProperty("diagnostics", out var d) && d.ValueKind == JsonValueKind.Array ? d.EnumerateArray().ToList() : [];
        if (diagnostics.Count > 0)
        {
            return diagnostics.Select(x => $"{Number(x, "line")}:{Number(x, "column")} {Text(x, "code")} {Text(x, "message")}");
        }
        return Text(p, "message") is var message && message != None ? [message] : [];
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join(Gap, cells.Select((cell, column) => column == cells.Length - 1 ? cell : cell.PadRight(widths[column])));

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : None;

    private static string Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "0";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
