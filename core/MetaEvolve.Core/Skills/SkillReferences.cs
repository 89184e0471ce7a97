using System.Collections.Immutable;
using System.ComponentModel;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.CodeAnalysis;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// The fixed, minimal set of assemblies skill code is compiled against. The allowlist is the real boundary;
/// a short reference list keeps the compiler from even resolving most of the framework.
/// </summary>
internal static class SkillReferences
{
    private static readonly string[] FrameworkAssemblies =
    [
        "System.Private.CoreLib.dll", "System.Runtime.dll", "System.Collections.dll", "System.Linq.dll",
        "System.Text.RegularExpressions.dll", "System.Text.Json.dll", "System.Memory.dll", "System.Text.Encodings.Web.dll",
        "System.ComponentModel.Primitives.dll", "System.Runtime.Intrinsics.dll", "netstandard.dll",

        // Never allowed, referenced only so that using them binds and the policy can name the symbol and the
        // capability ("'System.Net.Http.HttpClient' is not allowed (network)") instead of "type not found".
        "System.Console.dll", "System.Net.Http.dll", "System.Net.Primitives.dll", "System.Net.Sockets.dll",
        "System.Diagnostics.Process.dll", "System.Threading.dll", "System.Threading.Thread.dll",
        "System.Threading.ThreadPool.dll", "System.Threading.Tasks.Parallel.dll", "System.Linq.Parallel.dll",
        "System.Linq.Queryable.dll", "System.Linq.Expressions.dll", "System.Runtime.InteropServices.dll",
        "System.Runtime.Loader.dll", "System.Reflection.Emit.dll", "System.IO.FileSystem.Watcher.dll",
        "System.ComponentModel.dll", "System.ComponentModel.TypeConverter.dll",
    ];

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_all = new(Create);

    public static ImmutableArray<MetadataReference> All => s_all.Value;

    private static ImmutableArray<MetadataReference> Create()
    {
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)
            ?? throw new InvalidOperationException("The framework directory is unknown (single-file hosts cannot compile skills).");
        var paths = FrameworkAssemblies.Select(name => Path.Combine(frameworkDirectory, name))
            .Where(File.Exists)
            .Append(typeof(DescriptionAttribute).Assembly.Location)
            .Append(typeof(KernelFunctionAttribute).Assembly.Location)
            .Append(typeof(SkillGuard).Assembly.Location)
            .Distinct(StringComparer.Ordinal);
        return [.. paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    }
}
