namespace MetaEvolve.Bench;

/// <summary>
/// Nearest-rank percentiles of a benchmark's samples (the value below which a share p of them lie, one of the samples
/// itself, never an interpolation). Shared by the benchmarks (linked into each project).
/// </summary>
internal static class Percentile
{
    /// <param name="sorted">Samples in ascending order.</param>
    /// <param name="p">Between 0 and 1; 1 is the largest sample.</param>
    public static double Of(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        return sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
