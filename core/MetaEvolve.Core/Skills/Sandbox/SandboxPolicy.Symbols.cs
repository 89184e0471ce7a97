using Microsoft.CodeAnalysis;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>The allowlist decision for one symbol: types, members, signatures, and the reason for a denial.</summary>
internal sealed partial class SandboxPolicy
{
    /// <summary>Reports and returns false when <paramref name="symbol"/> is not allowed.</summary>
    private bool CheckSymbol(SyntaxNode node, ISymbol? symbol)
    {
        if (symbol is null || IsAllowed(symbol, out var offender, out var code, out var why))
        {
            return true;
        }

        if (why.StartsWith("a value type of about", StringComparison.Ordinal))
        {
            code = SkillDiagnosticCodes.StackTooLarge;
        }

        Report(node, code, $"'{offender.ToDisplayString()}' is not allowed in skills ({why})");
        return false;
    }

    private bool IsAllowed(ISymbol symbol, out ISymbol offender, out string code, out string why)
    {
        offender = symbol;
        code = SkillDiagnosticCodes.SymbolNotAllowed;
        why = "not on the sandbox allowlist";
        switch (symbol)
        {
            case IAliasSymbol alias:
                return IsAllowed(alias.Target, out offender, out code, out why);
            case INamespaceSymbol or IPreprocessingSymbol or ILabelSymbol or IDiscardSymbol or IRangeVariableSymbol:
                return true;
            case ILocalSymbol local:
                return IsAllowed(local.Type, out offender, out code, out why);
            case IParameterSymbol parameter:
                return IsAllowed(parameter.Type, out offender, out code, out why);
            case ITypeSymbol type:
                return IsTypeAllowed(type, out offender, out why);
            case IMethodSymbol or IPropertySymbol or IFieldSymbol or IEventSymbol:
                return IsMemberAllowed(symbol, out offender, out code, out why);
            default:
                why = "unknown kind of symbol";
                return false;
        }
    }

    private bool IsTypeAllowed(ITypeSymbol type, out ISymbol offender, out string why)
    {
        offender = type;
        why = "not on the sandbox allowlist";
        switch (type)
        {
            case IErrorTypeSymbol or ITypeParameterSymbol:
                return true;
            case IDynamicTypeSymbol:
                why = "late binding";
                return false;
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                why = "unsafe code";
                return false;
            case IArrayTypeSymbol array:
                return IsTypeAllowed(array.ElementType, out offender, out why);
            case INamedTypeSymbol named:
                if (named.IsValueType && named.SpecialType == SpecialType.None && _sizes.SizeOf(named) is var size and > ValueTypeSizes.MaxTypeSize)
                {
                    why = $"a value type of about {Math.Min(size, 1 << 20) / 1024} KB or more is too large for the stack (limit {ValueTypeSizes.MaxTypeSize / 1024} KB); use a class";
                    return false;
                }

                if (!IsFromSkill(named))
                {
                    var name = MetadataName(named);
                    var ns = named.ContainingNamespace?.ToDisplayString() ?? string.Empty;
                    var allowed = SandboxAllowlist.Types.Contains(name)
                        || (SandboxAllowlist.Namespaces.Contains(ns) && !SandboxAllowlist.DeniedTypes.Contains(name));
                    if (!allowed)
                    {
                        why = Category(name);
                        return false;
                    }
                }

                foreach (var argument in named.TypeArguments)
                {
                    if (!IsTypeAllowed(argument, out offender, out why))
                    {
                        return false;
                    }
                }

                return named.ContainingType is null || IsTypeAllowed(named.ContainingType, out offender, out why);
            default:
                return false;
        }
    }

    private bool IsMemberAllowed(ISymbol member, out ISymbol offender, out string code, out string why)
    {
        offender = member;
        code = SkillDiagnosticCodes.SymbolNotAllowed;
        why = "not on the sandbox allowlist";
        if (member is IMethodSymbol { ReducedFrom: { } reducedFrom } reduced)
        {
            member = reduced.GetConstructedReducedFrom() ?? reducedFrom;
        }

        if (member is IMethodSymbol method)
        {
            foreach (var argument in method.TypeArguments)
            {
                if (!IsTypeAllowed(argument, out offender, out why))
                {
                    return false;
                }
            }

            if (method.MethodKind is MethodKind.AnonymousFunction or MethodKind.LocalFunction)
            {
                return true;
            }
        }

        var containing = member.ContainingType;
        if (containing is null || IsFromSkill(containing))
        {
            return containing is null || IsTypeAllowed(containing, out offender, out why);
        }

        if (!IsTypeAllowed(containing, out offender, out why))
        {
            offender = member;
            return false;
        }

        var typeName = MetadataName(containing);
        var memberName = member is IMethodSymbol { AssociatedSymbol: { } associated } ? associated.Name : member.Name;
        if (SandboxAllowlist.OnlyMembers.TryGetValue(typeName, out var only) && !only.Contains(memberName))
        {
            why = typeName.StartsWith("System.Threading", StringComparison.Ordinal) ? "threads, timers and scheduling" : "not on the sandbox allowlist";
            return false;
        }

        if (SandboxAllowlist.DeniedMembers.TryGetValue(typeName, out var denied) && denied.Contains(memberName))
        {
            why = memberName is "CacheSize" or "CurrentCulture" or "CurrentUICulture" or "DefaultThreadCurrentCulture" or "DefaultThreadCurrentUICulture"
                ? "process-wide state" : "reflection or late binding";
            return false;
        }

        if (typeName == "System.Text.RegularExpressions.Regex" && member is IMethodSymbol regexMethod
            && (regexMethod.IsStatic || regexMethod.MethodKind == MethodKind.Constructor)
            && SandboxAllowlist.RegexMatchingMembers.Contains(memberName)
            && !regexMethod.Parameters.Any(p => p.Type is INamedTypeSymbol { Name: "TimeSpan" }))
        {
            code = SkillDiagnosticCodes.RegexWithoutTimeout;
            why = "regular expressions must be given a match timeout; use the overload taking a TimeSpan";
            return false;
        }

        ITypeSymbol[] signature = member switch
        {
            IMethodSymbol m => [m.ReturnType, .. m.Parameters.Select(p => p.Type)],
            IPropertySymbol p => [p.Type, .. p.Parameters.Select(x => x.Type)],
            IFieldSymbol f => [f.Type],
            IEventSymbol e => [e.Type],
            _ => [],
        };
        foreach (var type in signature)
        {
            if (!IsTypeAllowed(type, out var inner, out why))
            {
                why = $"its signature uses '{inner.ToDisplayString()}': {why}";
                return false;
            }
        }

        return true;
    }

    /// <summary>The reflection-style full name (<c>System.Collections.Generic.List`1</c>, nested with '+').</summary>
    internal static string MetadataName(INamedTypeSymbol type)
    {
        var definition = type.OriginalDefinition;
        if (definition.ContainingType is { } outer)
        {
            return MetadataName(outer) + "+" + definition.MetadataName;
        }

        var ns = definition.ContainingNamespace;
        return ns is null || ns.IsGlobalNamespace ? definition.MetadataName : ns.ToDisplayString() + "." + definition.MetadataName;
    }

    /// <summary>A human reason for the most common denials, so a rejection says what capability was at stake.</summary>
    private static string Category(string typeName) => typeName switch
    {
        _ when typeName.StartsWith("System.IO", StringComparison.Ordinal) => "file system",
        _ when typeName.StartsWith("System.Net", StringComparison.Ordinal) => "network",
        "System.Diagnostics.Process" or "System.Diagnostics.ProcessStartInfo" => "processes",
        "System.Environment" or "System.AppContext" => "environment",
        "System.Console" => "console I/O",
        "System.GC" or "System.GCSettings" => "garbage collector control",
        "System.Type" or "System.Activator" or "System.AppDomain" => "reflection",
        _ when typeName.StartsWith("System.Reflection.Emit", StringComparison.Ordinal) => "code generation",
        _ when typeName.StartsWith("System.Linq.Expressions", StringComparison.Ordinal) => "code generation",
        _ when typeName.StartsWith("System.Reflection", StringComparison.Ordinal) => "reflection",
        _ when typeName.StartsWith("System.Runtime.Loader", StringComparison.Ordinal) => "assembly loading",
        _ when typeName.StartsWith("System.Runtime.InteropServices", StringComparison.Ordinal) => "interop",
        _ when typeName.StartsWith("System.Runtime.CompilerServices", StringComparison.Ordinal) => "runtime internals",
        _ when typeName.StartsWith("System.Threading", StringComparison.Ordinal) => "threads, timers and scheduling",
        "System.Linq.ParallelEnumerable" or "System.Linq.Queryable" => "threads or code generation",
        _ when typeName.StartsWith("System.Security", StringComparison.Ordinal) => "security",
        _ => "not on the sandbox allowlist",
    };
}
