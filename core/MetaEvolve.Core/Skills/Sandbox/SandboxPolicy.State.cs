using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>Rules about memory: state that outlives a call, and stack frames too large to check in time.</summary>
internal sealed partial class SandboxPolicy
{
    private static bool IsAutoProperty(PropertyDeclarationSyntax property) =>
        property.AccessorList is { } accessors && accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null);

    /// <summary>Static members, and members of the plugin objects every call shares, keep their values between calls.</summary>
    private bool OutlivesCall(MemberDeclarationSyntax member, SyntaxTokenList modifiers)
    {
        if (modifiers.Any(SyntaxKind.StaticKeyword))
        {
            return true;
        }

        return member.Parent is TypeDeclarationSyntax type && _model.GetDeclaredSymbol(type) is INamedTypeSymbol symbol
            && symbol.GetMembers().OfType<IMethodSymbol>().Any(m => !m.IsStatic && m.GetAttributes().Any(a => a.AttributeClass?.Name == "KernelFunctionAttribute"));
    }

    private void CheckRetainedField(FieldDeclarationSyntax field)
    {
        var variable = field.Declaration.Variables[0];
        if (!field.Modifiers.Any(SyntaxKind.ReadOnlyKeyword))
        {
            Report(variable.Identifier.GetLocation(), SkillDiagnosticCodes.StateNotAllowed,
                $"field '{variable.Identifier.Text}' keeps its value between calls, so it must be readonly (or const)");
            return;
        }

        if (_model.GetDeclaredSymbol(variable) is IFieldSymbol symbol && !_retained.CannotGrow(symbol.Type))
        {
            Report(variable.Identifier.GetLocation(), SkillDiagnosticCodes.StateNotAllowed,
                $"field '{variable.Identifier.Text}' keeps its value between calls, so its type must not be able to grow ('{symbol.Type.ToDisplayString()}' can); use values, strings, arrays or immutable types");
        }
    }

    private void CheckRetainedProperty(PropertyDeclarationSyntax property)
    {
        if (_model.GetDeclaredSymbol(property) is not IPropertySymbol symbol)
        {
            return;
        }

        if (symbol.SetMethod is { IsInitOnly: false })
        {
            Report(property.Identifier.GetLocation(), SkillDiagnosticCodes.StateNotAllowed,
                $"property '{symbol.Name}' keeps its value between calls, so it must not have a setter");
        }
        else if (!_retained.CannotGrow(symbol.Type))
        {
            Report(property.Identifier.GetLocation(), SkillDiagnosticCodes.StateNotAllowed,
                $"property '{symbol.Name}' keeps its value between calls, so its type must not be able to grow ('{symbol.Type.ToDisplayString()}' can); use values, strings, arrays or immutable types");
        }
    }

    /// <summary>Large value-typed locals and temporaries add up to a stack frame that could overflow in the prologue.</summary>
    private void CheckFrameSize(IOperation root)
    {
        long frame = 0;
        foreach (var operation in root.DescendantsAndSelf())
        {
            var type = operation is IVariableDeclaratorOperation declarator ? declarator.Symbol.Type : operation.Type;
            if (type is { IsValueType: true } && _sizes.SizeOf(type) is var size and >= ValueTypeSizes.LargeValue)
            {
                frame += size;
            }
        }

        if (frame > ValueTypeSizes.MaxFrameSize)
        {
            Report(root.Syntax, SkillDiagnosticCodes.StackTooLarge,
                $"this code needs about {frame / 1024} KB of stack for large structs (limit {ValueTypeSizes.MaxFrameSize / 1024} KB); use classes or arrays");
        }
    }
}
