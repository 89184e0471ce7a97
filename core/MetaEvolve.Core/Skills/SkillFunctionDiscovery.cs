using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// Finds the skill's functions at compile time the way Semantic Kernel will at load time: public methods of
/// public types marked [KernelFunction], named by the attribute or the method (without an "Async" suffix).
/// </summary>
internal static class SkillFunctionDiscovery
{
    public static IReadOnlyList<SkillFunctionInfo> Discover(CSharpCompilation compilation, SyntaxTree tree, List<SkillDiagnostic> diagnostics)
    {
        var functions = new List<SkillFunctionInfo>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var model = compilation.GetSemanticModel(tree);
        foreach (var declaration in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax>())
        {
            if (model.GetDeclaredSymbol(declaration) is not INamedTypeSymbol type || type.DeclaredAccessibility != Accessibility.Public
                || type.ContainingType is not null)
            {
                continue;
            }

            var hasInstanceFunctions = false;
            foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
            {
                var attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "Microsoft.SemanticKernel.KernelFunctionAttribute");
                if (attribute is null || method.DeclaredAccessibility != Accessibility.Public)
                {
                    continue;
                }

                hasInstanceFunctions |= !method.IsStatic;
                var name = attribute.ConstructorArguments.FirstOrDefault().Value as string ?? TrimAsync(method);
                var description = method.GetAttributes()
                    .FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "System.ComponentModel.DescriptionAttribute")?
                    .ConstructorArguments.FirstOrDefault().Value as string;
                if (!seen.Add(name))
                {
                    Report(diagnostics, method, SkillDiagnosticCodes.NoFunctions, $"function name '{name}' is declared twice; function names must be unique within a skill");
                    continue;
                }

                var parameters = method.Parameters
                    .Where(p => p.Type.ToDisplayString() != "System.Threading.CancellationToken")
                    .Select(p => p.Name)
                    .ToList();
                functions.Add(new SkillFunctionInfo(name, description, parameters));
            }

            if (hasInstanceFunctions && !type.IsStatic && (type.IsAbstract
                || !type.InstanceConstructors.Any(c => c.DeclaredAccessibility == Accessibility.Public && c.Parameters.Length == 0)))
            {
                Report(diagnostics, type, SkillDiagnosticCodes.NoConstructor, $"'{type.Name}' has instance functions, so it needs a public parameterless constructor and must not be abstract");
            }
        }

        if (functions.Count == 0 && diagnostics.Count == 0)
        {
            diagnostics.Add(SkillDiagnostic.AnError(SkillDiagnosticCodes.NoFunctions, 1, 1, "the skill declares no public [KernelFunction] method in a public type"));
        }

        return functions;
    }

    private static string TrimAsync(IMethodSymbol method) =>
        method.Name.Length > 5 && method.Name.EndsWith("Async", StringComparison.Ordinal) && !method.ReturnsVoid
            && method.ReturnType.Name is "Task" or "ValueTask" or "IAsyncEnumerable"
            ? method.Name[..^5]
            : method.Name;

    private static void Report(List<SkillDiagnostic> diagnostics, ISymbol symbol, string code, string message)
    {
        var position = symbol.Locations[0].GetLineSpan().StartLinePosition;
        diagnostics.Add(SkillDiagnostic.AnError(code, position.Line + 1, position.Character + 1, message));
    }
}
