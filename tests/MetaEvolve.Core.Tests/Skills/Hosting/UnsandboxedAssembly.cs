using System.Runtime.CompilerServices;
using MetaEvolve.Core.Skills.Hosting;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Tests.Skills.Hosting;

/// <summary>
/// Compiles C# with no policy and no budget checks: code that has escaped the compile-time layer entirely, to show
/// what the host process alone still holds.
/// </summary>
internal static class UnsandboxedAssembly
{
    public static SkillAssembly Compile(string source, [CallerMemberName] string name = "")
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(KernelFunctionAttribute).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(
            "unsandboxed_" + Guid.NewGuid().ToString("N")[..8],
            [CSharpSyntaxTree.ParseText("using System; using System.Linq; using Microsoft.SemanticKernel;\n" + source)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
        return new SkillAssembly("sha256:" + name, name.ToLowerInvariant(), stream.ToArray());
    }
}
