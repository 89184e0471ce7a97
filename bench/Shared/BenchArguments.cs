using System.Globalization;

namespace MetaEvolve.Bench;

/// <summary>The benchmarks' options: <c>--name value</c> pairs after the dll (make passes them through BENCH_ARGS).</summary>
internal static class BenchArguments
{
    public static int Int(string name, int fallback) =>
        Find(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public static string Text(string name, string fallback) => Find(name) ?? fallback;

    private static string? Find(string name)
    {
        var args = Environment.GetCommandLineArgs();
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
