using System.Globalization;

namespace MetaEvolve.Core.Budgets;

/// <summary>
/// Where the workers count model usage per UTC day and the operator reads it: Redis hashes with fields
/// <see cref="TokensField"/> and <see cref="CostField"/>, one per agent and one per namespace, under
/// <c>&lt;prefix&gt;:budget:&lt;namespace&gt;:</c> so that the namespace's own Redis user may write them (the operator's
/// NamespaceRedisUsers grants that pattern). The day is part of the key: the window starts again at 00:00 UTC without
/// a reset, and old days expire after <see cref="Retention"/>.
/// </summary>
public static class BudgetCounterKeys
{
    public const string TokensField = "tokens";
    public const string CostField = "cost";

    /// <summary>Long enough that yesterday's counters can still be read across 00:00; short enough that they go.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(2);

    /// <summary>The key pattern of a namespace's counters (what its Redis user may touch).</summary>
    public static string NamespacePattern(string prefix, string ns) => $"{prefix}:budget:{ns}:*";

    public static string Agent(string prefix, string ns, string agent, string day) => $"{prefix}:budget:{ns}:{day}:agent:{agent}";

    public static string Namespace(string prefix, string ns, string day) => $"{prefix}:budget:{ns}:{day}:namespace";

    /// <summary>The UTC day of <paramref name="now"/>, <c>yyyy-MM-dd</c>, as keys and Agent status.usage.day spell it.</summary>
    public static string Day(DateTimeOffset now) => now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
