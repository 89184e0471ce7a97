using Microsoft.CodeAnalysis;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// Estimated sizes of value types. A large struct in a local or a temporary makes a stack frame big enough
/// to overflow the stack in the method's prologue — before any injected check can run — and a stack
/// overflow kills the worker. Framework structs hide their private fields from us (public metadata only),
/// so they are estimated conservatively from their type arguments.
/// </summary>
internal sealed class ValueTypeSizes(IAssemblySymbol skillAssembly)
{
    /// <summary>Largest value type skill code may use.</summary>
    public const int MaxTypeSize = 4 * 1024;

    /// <summary>Largest total of large value-typed locals and temporaries in one method body.</summary>
    public const int MaxFrameSize = 32 * 1024;

    /// <summary>Value types at least this big count toward <see cref="MaxFrameSize"/>.</summary>
    public const int LargeValue = 256;

    private const int Absurd = 1 << 30;

    private readonly Dictionary<ITypeSymbol, int> _sizes = new(SymbolEqualityComparer.Default);

    public int SizeOf(ITypeSymbol type) => SizeOf(type, depth: 0);

    private int SizeOf(ITypeSymbol type, int depth)
    {
        if (!type.IsValueType || type is ITypeParameterSymbol)
        {
            return 8;
        }

        if (depth > 32)
        {
            return Absurd;
        }

        if (_sizes.TryGetValue(type, out var known))
        {
            return known;
        }

        _sizes[type] = Absurd; // a cycle through value types is a compile error anyway
        var size = Compute(type, depth);
        _sizes[type] = size;
        return size;
    }

    private int Compute(ITypeSymbol type, int depth)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean or SpecialType.System_Byte or SpecialType.System_SByte:
                return 1;
            case SpecialType.System_Char or SpecialType.System_Int16 or SpecialType.System_UInt16:
                return 2;
            case SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single:
                return 4;
            case SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double
                or SpecialType.System_IntPtr or SpecialType.System_UIntPtr or SpecialType.System_DateTime:
                return 8;
            case SpecialType.System_Decimal:
                return 16;
        }

        if (type is INamedTypeSymbol { EnumUnderlyingType: { } underlying })
        {
            return SizeOf(underlying, depth + 1);
        }

        if (type is not INamedTypeSymbol named)
        {
            return 16;
        }

        long total = 0;
        if (SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, skillAssembly) || named.IsTupleType)
        {
            // Our own structs: every instance field (auto-property backing fields show up as properties).
            foreach (var member in named.GetMembers())
            {
                total += member switch
                {
                    IFieldSymbol { IsStatic: false, IsConst: false } field => SizeOf(field.Type, depth + 1),
                    IPropertySymbol { IsStatic: false, IsIndexer: false } property when !named.IsTupleType => SizeOf(property.Type, depth + 1),
                    _ => 0,
                };
            }
        }
        else
        {
            // Framework structs: a fixed allowance plus whatever they may embed of their type arguments.
            total = 16 + named.TypeArguments.Sum(t => (long)SizeOf(t, depth + 1));
        }

        return (int)Math.Min(total, Absurd);
    }
}
