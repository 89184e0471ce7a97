using System.Text.RegularExpressions;

namespace MetaEvolve.Core.Store;

/// <summary>How the store is laid out in PostgreSQL.</summary>
public sealed partial record StoreOptions
{
    public const string DefaultSchema = "metaevolve";

    /// <summary>
    /// The schema holding every store table. Tests give each run its own. Lower-case letters,
    /// digits and underscores only: the name is written into SQL unquoted.
    /// </summary>
    public string Schema
    {
        get;
        init => field = SchemaName().IsMatch(value)
            ? value
            : throw new ArgumentException(
                $"Schema '{value}' is not a plain identifier (lower-case letters, digits, '_', at most 63 characters, not starting with a digit).",
                nameof(value));
    } = DefaultSchema;

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
