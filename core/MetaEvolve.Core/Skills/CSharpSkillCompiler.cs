using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// Compiles C# skill source: parse, bind, apply the sandbox policy, instrument with budget checks, emit.
/// Diagnostics always point into the source the author wrote (the instrumented tree is compiled separately).
/// </summary>
public sealed class CSharpSkillCompiler
{
    /// <summary>Changes whenever instrumentation or the guard API changes, so stored assemblies are rebuilt.</summary>
    public const string EngineVersion = "metaevolve-skills/1";

    private const string SourcePath = "skill.cs";

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Regular);

    private static readonly CSharpCompilationOptions CompilationOptions = new(
        OutputKind.DynamicallyLinkedLibrary,
        optimizationLevel: OptimizationLevel.Release,
        allowUnsafe: false,
        nullableContextOptions: NullableContextOptions.Enable,
        deterministic: true,
        metadataImportOptions: MetadataImportOptions.Public,
        concurrentBuild: false);

    // Convenience for authors; every name they bring in is still subject to the policy.
    private static readonly SyntaxTree GlobalUsings = CSharpSyntaxTree.ParseText(
        """
        global using System;
        global using System.Collections.Generic;
        global using System.ComponentModel;
        global using System.Linq;
        global using System.Text;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.SemanticKernel;
        """,
        ParseOptions,
        path: "global-usings.cs");

    // Added after the policy ran: the stamp is the engine's, not the author's.
    private static readonly SyntaxTree Stamp = CSharpSyntaxTree.ParseText(SkillAssemblyStamp.Source, ParseOptions, path: "stamp.cs");

    private long _compilations;

    /// <summary>How many sources this instance compiled (the "compile once per digest" tests count these).</summary>
    public long Compilations => Interlocked.Read(ref _compilations);

    /// <summary>
    /// A pathological source must not tie up the operator or a worker indefinitely. Wall time, and a process's first
    /// compile also loads and JITs the compiler: about 4 s of CPU that a busy 2-core machine stretched past 30 s, which
    /// rejected a good skill; 60 s leaves room for that and still bounds a source built to make the compiler work.
    /// </summary>
    public static readonly TimeSpan CompileTimeout = TimeSpan.FromSeconds(60);

    public SkillCompilation Compile(string source, string assemblyName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        Interlocked.Increment(ref _compilations);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CompileTimeout);
        try
        {
            return CompileCore(source, assemblyName, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new SkillCompilation(null,
                [SkillDiagnostic.AnError(SkillDiagnosticCodes.CompileTimeout, 1, 1, $"compiling took longer than {CompileTimeout.TotalSeconds:0} s")], []);
        }
    }

    private static SkillCompilation CompileCore(string source, string assemblyName, CancellationToken cancellationToken)
    {
        var tree = CSharpSyntaxTree.ParseText(source, ParseOptions, SourcePath, cancellationToken: cancellationToken);
        var compilation = CSharpCompilation.Create(assemblyName, [GlobalUsings, tree], SkillReferences.All, CompilationOptions);

        var diagnostics = compilation.GetDiagnostics(cancellationToken)
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(ToSkillDiagnostic)
            .ToList();
        diagnostics.AddRange(SandboxPolicy.Analyze(compilation, tree, cancellationToken));

        var model = compilation.GetSemanticModel(tree);
        var functions = SkillFunctionDiscovery.Discover(compilation, tree, diagnostics);
        if (diagnostics.Count > 0)
        {
            return Rejected(diagnostics, functions);
        }

        var instrumented = BudgetInstrumenter.Instrument(tree, model, cancellationToken);
        var emitted = compilation.ReplaceSyntaxTree(tree, instrumented).AddSyntaxTrees(Stamp);
        using var output = new MemoryStream();
        var result = emitted.Emit(output, cancellationToken: cancellationToken);
        if (!result.Success)
        {
            var first = result.Diagnostics.First(d => d.Severity == DiagnosticSeverity.Error);
            return Rejected(
                [SkillDiagnostic.AnError(SkillDiagnosticCodes.InstrumentationFailed, 1, 1, $"the sandbox could not instrument this source ({first.Id}: {first.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}); please report it")],
                functions);
        }

        return new SkillCompilation(output.ToArray(), [], functions);
    }

    private static SkillCompilation Rejected(List<SkillDiagnostic> diagnostics, IReadOnlyList<SkillFunctionInfo> functions) =>
        new(null, [.. diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column)], functions);

    private static SkillDiagnostic ToSkillDiagnostic(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.IsInSource && diagnostic.Location.SourceTree?.FilePath == SourcePath
            ? diagnostic.Location.GetLineSpan().StartLinePosition
            : default;
        return SkillDiagnostic.AnError(diagnostic.Id, span.Line + 1, span.Character + 1, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}
