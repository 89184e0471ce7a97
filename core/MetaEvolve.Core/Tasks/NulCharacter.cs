namespace MetaEvolve.Core.Tasks;

/// <summary>
/// PostgreSQL cannot store U+0000 in text or jsonb, and refuses the whole statement that carries one. Task values
/// are written in batches, so one such value would fail every task beside it: it is refused (input, output) or
/// replaced (error text) before it reaches the store.
/// </summary>
public static class NulCharacter
{
    public const string Description = "U+0000 (NUL), which PostgreSQL cannot store";

    public static bool In(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal);

    /// <summary>True when JSON text holds U+0000: raw, or as the escape <c>\u0000</c> (not an escaped backslash followed by <c>u0000</c>).</summary>
    public static bool InJson(string? json)
    {
        if (json is null)
        {
            return false;
        }
        if (In(json))
        {
            return true;
        }
        for (var at = json.IndexOf("\\u0000", StringComparison.Ordinal); at >= 0; at = json.IndexOf("\\u0000", at + 1, StringComparison.Ordinal))
        {
            var backslashes = 0;
            for (var i = at - 1; i >= 0 && json[i] == '\\'; i--)
            {
                backslashes++;
            }
            if (backslashes % 2 == 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The text with each U+0000 replaced by U+FFFD (the replacement character), for messages that must be kept.</summary>
    public static string? Replace(string? text) => In(text) ? text!.Replace('\0', '\uFFFD') : text;
}
