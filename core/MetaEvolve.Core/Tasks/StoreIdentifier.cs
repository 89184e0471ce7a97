namespace MetaEvolve.Core.Tasks;

/// <summary>Quotes a schema name for SQL text; only plain lower-case identifiers are accepted, so quoting is exact.</summary>
public static class StoreIdentifier
{
    public static string Quote(string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        foreach (var c in identifier)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                throw new ArgumentException($"schema name '{identifier}' must be lower-case letters, digits and '_'", nameof(identifier));
            }
        }
        return $"\"{identifier}\"";
    }
}
