using System.Reflection;

namespace MetaEvolve.Core.Packaging;

/// <summary>
/// The product version (<c>&lt;Version&gt;</c> in Directory.Build.props), the same for every component, and the
/// <c>--version</c> answer every entrypoint gives: <c>&lt;component&gt; &lt;version&gt;</c>.
/// </summary>
public static class ProductVersion
{
    /// <summary>The version without build metadata (the SDK appends <c>+&lt;commit&gt;</c> to the informational version).</summary>
    public static string Current { get; } = Read();

    /// <summary>Prints <c>&lt;component&gt; &lt;version&gt;</c> when <paramref name="args"/> is <c>--version</c>; the caller then exits.</summary>
    public static bool TryPrint(IReadOnlyList<string> args, string component, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (args is not ["--version"])
        {
            return false;
        }

        output.WriteLine($"{component} {Current}");
        return true;
    }

    private static string Read()
    {
        var informational = typeof(ProductVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? throw new InvalidOperationException("MetaEvolve.Core carries no AssemblyInformationalVersion: <Version> is missing from Directory.Build.props");
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
