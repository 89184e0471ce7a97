using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace MetaEvolve.Testing;

/// <summary>
/// Unique names that keep tests apart on shared servers (a PostgreSQL schema, a JetStream stream,
/// a Redis key prefix): lower-case letters, digits and '_', so one name is valid everywhere.
/// </summary>
public static partial class TestPrefix
{
    /// <summary>Returns e.g. <c>t_store_3f9a1c2e7b</c>: the label, then 40 random bits.</summary>
    public static string New(string label = "test")
    {
        if (!Label().IsMatch(label))
        {
            throw new ArgumentException($"Label '{label}' must be 1-40 lower-case letters, digits or '_'.", nameof(label));
        }

        return $"t_{label}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";
    }

    /// <summary>Returns e.g. <c>t-op-3f9a1c2e7b</c>: a NATS root (<see cref="Core.NatsNames"/>) of one test's own.</summary>
    public static string NewNatsRoot(string label = "test") => New(label).Replace('_', '-');

    [GeneratedRegex("^[a-z0-9_]{1,40}$")]
    private static partial Regex Label();
}
