using System.Globalization;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// The worker's own stage histogram (<c>metaevolve_task_stage_seconds</c> on its /metrics): cumulative bucket counts
/// per stage, read before and after a run; the difference gives that run's percentiles per stage, as the worker's code
/// path measured them (the breakdown of its latency).
/// </summary>
internal sealed class StageHistograms
{
    public static readonly string[] Stages = ["queue_wait", "claim", "run", "record"];
    private const string Prefix = "metaevolve_task_stage_seconds_bucket{";

    // stage → (upper bound → cumulative count), the bounds in ascending order.
    private readonly Dictionary<string, SortedList<double, double>> _buckets = [];

    public static async Task<StageHistograms> ScrapeAsync(HttpClient http, Uri worker, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(new Uri(worker, "/metrics"), cancellationToken);
        var histograms = new StageHistograms();
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var stage = Label(line, "stage");
            var le = Label(line, "le");
            var count = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
            if (!histograms._buckets.TryGetValue(stage, out var buckets))
            {
                histograms._buckets[stage] = buckets = [];
            }
            buckets[bound] = count;
        }
        return histograms;
    }

    /// <summary>The <paramref name="p"/> quantile in milliseconds of what was observed after <paramref name="before"/>
    /// (linear within the bucket it falls in, as Prometheus's histogram_quantile); NaN when nothing was.</summary>
    public double PercentileSince(StageHistograms before, string stage, double p)
    {
        ArgumentNullException.ThrowIfNull(before);
        if (!_buckets.TryGetValue(stage, out var after))
        {
            return double.NaN;
        }
        before._buckets.TryGetValue(stage, out var earlier);
        var bounds = after.Keys;
        double Count(int i) => after.Values[i] - (earlier is not null && earlier.TryGetValue(bounds[i], out var c) ? c : 0);
        var total = Count(bounds.Count - 1);
        if (total <= 0)
        {
            return double.NaN;
        }
        var rank = p * total;
        var lower = 0.0;
        var below = 0.0;
        for (var i = 0; i < bounds.Count; i++)
        {
            var count = Count(i);
            if (count >= rank)
            {
                var upper = double.IsPositiveInfinity(bounds[i]) ? lower : bounds[i];
                var inBucket = count - below;
                var seconds = inBucket <= 0 ? upper : lower + (upper - lower) * (rank - below) / inBucket;
                return seconds * 1000;
            }
            lower = bounds[i];
            below = count;
        }
        return lower * 1000;
    }

    private static string Label(string line, string name)
    {
        var start = line.IndexOf(name + "=\"", StringComparison.Ordinal) + name.Length + 2;
        return line[start..line.IndexOf('"', start)];
    }
}
