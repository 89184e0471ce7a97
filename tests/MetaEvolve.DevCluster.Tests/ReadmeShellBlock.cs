namespace MetaEvolve.DevCluster.Tests;

/// <summary>One command of a README shell block: what the reader types, and the comment after it on the same line.</summary>
/// <param name="Line">The README line (1-based) the command starts on, for failure messages.</param>
/// <param name="Text">The command, its <c>\</c>-continued lines joined.</param>
/// <param name="Comment">The trailing <c># …</c> comment without the <c>#</c> (the README's claim about the result), or null.</param>
public sealed record ReadmeCommand(int Line, string Text, string? Comment);

/// <summary>
/// The commands of a <c>```sh</c> block in a Markdown file, read at test time so that a test runs what the README says
/// and the two cannot drift apart. Comment-only lines and blank lines are left out.
/// </summary>
public static class ReadmeShellBlock
{
    private const string Fence = "```";

    /// <summary>The commands of the first <c>```sh</c> block after the first line containing <paramref name="marker"/>.</summary>
    public static IReadOnlyList<ReadmeCommand> After(string markdown, string marker)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var lines = markdown.Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
        var start = Array.FindIndex(lines, line => line.Contains(marker, StringComparison.Ordinal));
        if (start < 0)
        {
            throw new InvalidOperationException($"no line contains '{marker}'");
        }

        var open = Array.FindIndex(lines, start, line => line.Trim() == Fence + "sh");
        if (open < 0)
        {
            throw new InvalidOperationException($"no {Fence}sh block after '{marker}'");
        }

        var commands = new List<ReadmeCommand>();
        for (var i = open + 1; i < lines.Length && lines[i].Trim() != Fence; i++)
        {
            var first = i;
            var text = lines[i];
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                text = text[..^1].TrimEnd() + " " + lines[++i].Trim();
            }

            if (text.Trim() is "" || text.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var (command, comment) = SplitComment(text);
            commands.Add(new ReadmeCommand(first + 1, command, comment));
        }

        return commands;
    }

    /// <summary>Splits off a trailing comment: a <c>#</c> that starts a word outside quotes, as the shell reads it.</summary>
    private static (string Command, string? Comment) SplitComment(string text)
    {
        var quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(text[i - 1])))
            {
                return (text[..i].Trim(), text[(i + 1)..].Trim());
            }
        }

        return (text.Trim(), null);
    }
}
