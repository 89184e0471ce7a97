using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// Ways around the other rules that were found by trying them: shadowing the injected guard with a type of the
/// same name, reaching a regex timeout through a delegate the instrumenter cannot clamp, and keeping state in
/// the elements of a readonly array. The skill host bounds all of them at run time; these rules make them
/// clear errors at compile time.
/// </summary>
internal sealed partial class SandboxPolicy
{
    /// <summary>A type or namespace named after a platform root (at any level) could shadow the injected guard.</summary>
    private void CheckReservedName(SyntaxNode node)
    {
        switch (node)
        {
            case BaseTypeDeclarationSyntax type when IsReservedName(type.Identifier.Text):
                Report(node, SkillDiagnosticCodes.ReservedNamespace, $"the type name '{type.Identifier.Text}' is reserved for the platform");
                break;
            case DelegateDeclarationSyntax type when IsReservedName(type.Identifier.Text):
                Report(node, SkillDiagnosticCodes.ReservedNamespace, $"the type name '{type.Identifier.Text}' is reserved for the platform");
                break;
            case BaseNamespaceDeclarationSyntax ns when !IsReservedNamespace(ns.Name.ToString())
                && ns.Name.ToString().Replace("global::", "", StringComparison.Ordinal).Split('.').Any(IsReservedName):
                Report(ns.Name, SkillDiagnosticCodes.ReservedNamespace, $"namespace '{ns.Name}' uses a name reserved for the platform");
                break;
        }
    }

    private static bool IsReservedName(string name) => SandboxAllowlist.ReservedNamespaces.Contains(name, StringComparer.Ordinal);

    private void CheckEscapes(IOperation operation)
    {
        switch (operation)
        {
            // Regex.IsMatch as a method group: the call happens inside a delegate, where no timeout can be clamped.
            case IMethodReferenceOperation { Method: var method }
                when method.ContainingType?.ToDisplayString() == "System.Text.RegularExpressions.Regex"
                    && method.Parameters.Any(p => p.Type is INamedTypeSymbol { Name: "TimeSpan" }):
                Report(operation.Syntax, SkillDiagnosticCodes.RegexWithoutTimeout,
                    $"'Regex.{method.Name}' taking a timeout must be called directly, not through a delegate or method group (the sandbox bounds the timeout at the call)");
                break;
            case IArrayElementReferenceOperation { ArrayReference: IFieldReferenceOperation { Field: var field } } element
                when OutlivesCall(field) && IsWritten(element):
                Report(operation.Syntax, SkillDiagnosticCodes.StateNotAllowed,
                    $"writing to an element of '{field.Name}' keeps state between calls (one caller's data would reach the next); copy the array into a local first");
                break;
            case IArgumentOperation { Parameter: { } parameter, Value: var value } when Unwrap(value) is IFieldReferenceOperation { Field: var field }
                && field.Type is IArrayTypeSymbol && OutlivesCall(field) && CanWriteThrough(parameter.Type):
                Report(operation.Syntax, SkillDiagnosticCodes.StateNotAllowed,
                    $"passing '{field.Name}' as '{parameter.Type.ToDisplayString()}' lets the callee change it, keeping state between calls; pass a copy or a read-only view");
                break;
        }
    }

    /// <summary>Static fields, and fields of the plugin objects every call shares, keep their values between calls.</summary>
    private static bool OutlivesCall(IFieldSymbol field) =>
        field.IsStatic || field.ContainingType.GetMembers().OfType<IMethodSymbol>()
            .Any(m => !m.IsStatic && m.GetAttributes().Any(a => a.AttributeClass?.Name == "KernelFunctionAttribute"));

    private static bool IsWritten(IOperation element) => element.Parent switch
    {
        ISimpleAssignmentOperation assignment => assignment.Target == element,
        ICompoundAssignmentOperation assignment => assignment.Target == element,
        ICoalesceAssignmentOperation assignment => assignment.Target == element,
        IIncrementOrDecrementOperation => true,
        IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } => true,
        IDeconstructionAssignmentOperation => true,
        ITupleOperation => element.Parent.Parent is IDeconstructionAssignmentOperation,
        _ => element.Parent is IVariableInitializerOperation && element.Syntax.Parent is RefExpressionSyntax,
    };

    private static bool CanWriteThrough(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol => true,
        INamedTypeSymbol named => named.OriginalDefinition.ToDisplayString() is "System.Span<T>" or "System.Collections.Generic.IList<T>"
            or "System.Collections.Generic.ICollection<T>" or "System.Collections.IList" or "System.Array",
        _ => false,
    };

    private static IOperation Unwrap(IOperation operation) => operation is IConversionOperation conversion ? Unwrap(conversion.Operand) : operation;
}
