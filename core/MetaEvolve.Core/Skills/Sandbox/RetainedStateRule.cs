using Microsoft.CodeAnalysis;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// Memory that outlives a call escapes the per-call allocation budget: a list in a static field, or in a field
/// of the one plugin object every call shares, could grow by a budget's worth on every call until the worker
/// runs out of memory. So fields that outlive a call must be readonly and of a type that cannot grow:
/// value types, strings, regexes and other immutable framework types, arrays of those, and skill types
/// built the same way.
/// </summary>
internal sealed class RetainedStateRule(IAssemblySymbol skillAssembly)
{
    private static readonly HashSet<string> ImmutableReferenceTypes =
    [
        "System.String", "System.Text.RegularExpressions.Regex", "System.Globalization.CultureInfo", "System.StringComparer",
        "System.Version", "System.Text.Encoding",
    ];

    private readonly Dictionary<ITypeSymbol, bool> _verdicts = new(SymbolEqualityComparer.Default);

    /// <summary>True when values of <paramref name="type"/> cannot hold a growing amount of memory.</summary>
    public bool CannotGrow(ITypeSymbol type)
    {
        if (_verdicts.TryGetValue(type, out var known))
        {
            return known;
        }

        _verdicts[type] = true; // assume so while recursing: a cycle adds nothing new
        var verdict = Decide(type);
        _verdicts[type] = verdict;
        return verdict;
    }

    private bool Decide(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return CannotGrow(array.ElementType);
            case ITypeParameterSymbol:
                return false;
            case INamedTypeSymbol named when SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, skillAssembly):
                // Our own types: every field (and auto-property) readonly and unable to grow, all the way down.
                return named.TypeKind != TypeKind.Delegate
                    && named.GetMembers().All(member => member switch
                    {
                        // Compiler-made members (a record's EqualityContract, backing fields) follow the declared ones.
                        _ when member.IsImplicitlyDeclared => true,
                        IFieldSymbol { IsConst: true } => true,
                        IFieldSymbol field => field.IsReadOnly && CannotGrow(field.Type),
                        IPropertySymbol { IsIndexer: false } property => (property.SetMethod is null || property.SetMethod.IsInitOnly) && CannotGrow(property.Type),
                        _ => true,
                    })
                    && (named.BaseType is null || named.BaseType.SpecialType == SpecialType.System_Object
                        || named.BaseType.SpecialType == SpecialType.System_ValueType || CannotGrow(named.BaseType));
            case INamedTypeSymbol named when named.IsValueType:
                return named.TypeArguments.All(CannotGrow);
            case INamedTypeSymbol named:
                return ImmutableReferenceTypes.Contains(SandboxPolicy.MetadataName(named));
            default:
                return false;
        }
    }
}
