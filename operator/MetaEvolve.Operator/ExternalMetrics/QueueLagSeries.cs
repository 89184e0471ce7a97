using MetaEvolve.Crds.Labels;
using MetaEvolve.Operator.Scaling;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>One series of <see cref="QueueLagMetric"/>: a pool with a JetStream consumer, and its lag.</summary>
public sealed record QueueLagSeries(string Pool, QueueLag Lag)
{
    /// <summary>
    /// The pool a selector names with equality (<c>metaevolve.io/pool=X</c>, <c>==</c>, <c>in (X)</c>). Such a request
    /// is an HPA asking for its own pool, answered from that pool's consumer alone — and a missing consumer is then
    /// an error rather than an empty list.
    /// </summary>
    public static string? PinnedPool(LabelSelector selector) => selector.PinnedValue(QueueLagMetric.PoolLabel);

    /// <summary>The series of namespace <paramref name="ns"/> whose labels the selector matches, ordered by pool.</summary>
    public static IReadOnlyList<QueueLagSeries> Select(
        string ns, LabelSelector selector, IReadOnlyDictionary<(string Namespace, string Pool), QueueLag> lags) =>
        lags.Where(p => p.Key.Namespace == ns && selector.Matches(Labels(p.Key.Pool)))
            .OrderBy(p => p.Key.Pool, StringComparer.Ordinal)
            .Select(p => new QueueLagSeries(p.Key.Pool, p.Value))
            .ToList();

    public static IReadOnlyDictionary<string, string> Labels(string pool) =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [QueueLagMetric.PoolLabel] = pool };
}
