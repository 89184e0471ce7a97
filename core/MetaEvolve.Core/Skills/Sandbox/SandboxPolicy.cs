using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// Decides on Roslyn's semantic model whether skill source stays inside the allowlist. Every symbol the
/// model binds is checked — names, member accesses, constructors, attributes, conversions and operators,
/// implicit calls (foreach, await, deconstruction, collection initializers, query clauses) and the type of
/// every expression — so aliases, <c>global::</c>, <c>var</c> and extension methods cannot route around it.
/// </summary>
internal sealed class SandboxPolicy
{
    private readonly CSharpCompilation _compilation;
    private readonly SemanticModel _model;
    private readonly List<SkillDiagnostic> _diagnostics = [];
    private readonly HashSet<(int, int, string)> _reported = [];

    // Spans of expressions already reported: their sub-expressions would only repeat the same finding.
    private readonly List<Microsoft.CodeAnalysis.Text.TextSpan> _reportedExpressions = [];

    private readonly ValueTypeSizes _sizes;
    private readonly RetainedStateRule _retained;

    private SandboxPolicy(CSharpCompilation compilation, SyntaxTree tree)
    {
        _compilation = compilation;
        _model = compilation.GetSemanticModel(tree, ignoreAccessibility: false);
        _sizes = new ValueTypeSizes(compilation.Assembly);
        _retained = new RetainedStateRule(compilation.Assembly);
    }

    public static IReadOnlyList<SkillDiagnostic> Analyze(CSharpCompilation compilation, SyntaxTree tree, CancellationToken cancellationToken)
    {
        var policy = new SandboxPolicy(compilation, tree);
        policy.Run(tree.GetRoot(cancellationToken), cancellationToken);
        return policy._diagnostics;
    }

    private void Run(SyntaxNode root, CancellationToken cancellationToken)
    {
        foreach (var token in root.DescendantTokens(descendIntoTrivia: true))
        {
            CheckToken(token);
        }

        foreach (var node in root.DescendantNodesAndSelf(descendIntoTrivia: true))
        {
            cancellationToken.ThrowIfCancellationRequested();
            CheckConstruct(node);
            if (IsInsideNameOf(node) || (_reportedExpressions.Count > 0 && _reportedExpressions.Exists(span => span.Contains(node.Span))))
            {
                continue;
            }

            CheckBinding(node);
            if (IsOperationRoot(node) && _model.GetOperation(node, cancellationToken) is { } rootOperation)
            {
                foreach (var operation in rootOperation.DescendantsAndSelf())
                {
                    CheckOperation(operation);
                }

                CheckFrameSize(rootOperation);
            }
        }
    }

    /// <summary>
    /// Syntax whose operation tree is a root (a body, an initializer, an attribute). Asking every node for its
    /// operation's Parent instead would make Roslyn search the tree again for each node: quadratic.
    /// </summary>
    private static bool IsOperationRoot(SyntaxNode node) => node switch
    {
        BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or AttributeSyntax or PrimaryConstructorBaseTypeSyntax => true,
        ArrowExpressionClauseSyntax { Parent: PropertyDeclarationSyntax or IndexerDeclarationSyntax } => true,
        EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax or EventFieldDeclarationSyntax } } => true,
        EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax or ParameterSyntax or EnumMemberDeclarationSyntax } => true,
        _ => false,
    };

    private void CheckToken(SyntaxToken token)
    {
        var what = token.Kind() switch
        {
            SyntaxKind.UnsafeKeyword => "unsafe code",
            SyntaxKind.ExternKeyword => "extern (native or external code)",
            SyntaxKind.StackAllocKeyword => "stackalloc",
            SyntaxKind.FixedKeyword => "fixed (pinning memory)",
            SyntaxKind.ArgListKeyword => "__arglist",
            SyntaxKind.MakeRefKeyword or SyntaxKind.RefTypeKeyword or SyntaxKind.RefValueKeyword => "typed references (" + token.Text + ")",
            SyntaxKind.LockKeyword => "lock (threads are not available to skills)",
            SyntaxKind.VolatileKeyword => "volatile (threads are not available to skills)",
            _ => null,
        };
        if (what is not null)
        {
            Report(token.GetLocation(), SkillDiagnosticCodes.ConstructNotAllowed, $"{what} is not allowed in skills");
        }
    }

    private void CheckConstruct(SyntaxNode node)
    {
        switch (node)
        {
            case PointerTypeSyntax or FunctionPointerTypeSyntax:
                Report(node, SkillDiagnosticCodes.ConstructNotAllowed, "pointers are not allowed in skills");
                break;
            case LineDirectiveTriviaSyntax or LineSpanDirectiveTriviaSyntax or ReferenceDirectiveTriviaSyntax or LoadDirectiveTriviaSyntax:
                Report(node, SkillDiagnosticCodes.ConstructNotAllowed, $"the '{node.ChildTokens().Skip(1).FirstOrDefault().Text}' directive is not allowed in skills");
                break;
            case AttributeListSyntax { Target: { } target } when target.Identifier.IsKind(SyntaxKind.AssemblyKeyword) || target.Identifier.IsKind(SyntaxKind.ModuleKeyword):
                Report(node, SkillDiagnosticCodes.ConstructNotAllowed, $"{target.Identifier.Text}-level attributes are not allowed in skills");
                break;
            case BaseNamespaceDeclarationSyntax ns when IsReservedNamespace(ns.Name.ToString()):
                Report(ns.Name, SkillDiagnosticCodes.ReservedNamespace, $"namespace '{ns.Name}' is reserved for the platform");
                break;
            case DestructorDeclarationSyntax:
                Report(node, SkillDiagnosticCodes.StateNotAllowed, "finalizers are not allowed in skills (they would run outside any call)");
                break;
            case ConstructorDeclarationSyntax ctor when ctor.Modifiers.Any(SyntaxKind.StaticKeyword):
                Report(node, SkillDiagnosticCodes.StateNotAllowed, "static constructors are not allowed in skills (they run at a time the caller does not control)");
                break;
            case FieldDeclarationSyntax field when !field.Modifiers.Any(SyntaxKind.ConstKeyword) && OutlivesCall(field, field.Modifiers):
                CheckRetainedField(field);
                break;
            case EventFieldDeclarationSyntax evt when evt.Modifiers.Any(SyntaxKind.StaticKeyword):
                Report(node, SkillDiagnosticCodes.StateNotAllowed, "static events are not allowed in skills (state would leak between calls)");
                break;
            case PropertyDeclarationSyntax prop when IsAutoProperty(prop) && OutlivesCall(prop, prop.Modifiers):
                CheckRetainedProperty(prop);
                break;
            case CatchClauseSyntax catchClause:
                CheckCatch(catchClause);
                break;
        }
    }

    private void CheckCatch(CatchClauseSyntax catchClause)
    {
        if (catchClause.Declaration is null)
        {
            Report(catchClause.CatchKeyword.GetLocation(), SkillDiagnosticCodes.CatchNotAllowed, "a catch-all clause is not allowed in skills; catch a specific exception type");
            return;
        }

        var type = _model.GetTypeInfo(catchClause.Declaration.Type).Type;
        if (type is ITypeParameterSymbol || (type is INamedTypeSymbol named && SandboxAllowlist.UncatchableTypes.Contains(MetadataName(named))))
        {
            Report(catchClause.Declaration.Type, SkillDiagnosticCodes.CatchNotAllowed, $"catching '{type.ToDisplayString()}' is not allowed in skills; catch a specific exception type");
        }
    }

    private void CheckBinding(SyntaxNode node)
    {
        switch (node)
        {
            case ExpressionSyntax or ConstructorInitializerSyntax or AttributeSyntax or PrimaryConstructorBaseTypeSyntax
                or OrderingSyntax or SelectOrGroupClauseSyntax:
                var info = _model.GetSymbolInfo(node);
                if (!CheckSymbol(node, info.Symbol))
                {
                    return;
                }

                foreach (var candidate in info.CandidateSymbols)
                {
                    if (!CheckSymbol(node, candidate))
                    {
                        return;
                    }
                }

                if (node is ExpressionSyntax expression)
                {
                    var typeInfo = _model.GetTypeInfo(expression);
                    if (!CheckSymbol(node, typeInfo.Type) || !CheckSymbol(node, typeInfo.ConvertedType))
                    {
                        return;
                    }

                    var conversion = _model.GetConversion(expression);
                    if (conversion.MethodSymbol is { } conversionMethod && !CheckSymbol(node, conversionMethod))
                    {
                        return;
                    }
                }

                break;
        }

        switch (node)
        {
            case UsingDirectiveSyntax { Alias: not null } alias:
                CheckSymbol(alias.NamespaceOrType, _model.GetDeclaredSymbol(alias) is IAliasSymbol a ? a.Target : null);
                break;
            case CommonForEachStatementSyntax forEach:
                var forEachInfo = _model.GetForEachStatementInfo(forEach);
                _ = CheckSymbol(forEach.Expression, forEachInfo.GetEnumeratorMethod)
                    && CheckSymbol(forEach.Expression, forEachInfo.MoveNextMethod)
                    && CheckSymbol(forEach.Expression, forEachInfo.CurrentProperty)
                    && CheckSymbol(forEach.Expression, forEachInfo.DisposeMethod)
                    && CheckSymbol(forEach.Expression, forEachInfo.ElementType);
                if (node is ForEachVariableStatementSyntax forEachVariable)
                {
                    CheckDeconstruction(forEachVariable, _model.GetDeconstructionInfo(forEachVariable));
                }

                break;
            case AwaitExpressionSyntax awaitExpression:
                var awaitInfo = _model.GetAwaitExpressionInfo(awaitExpression);
                _ = CheckSymbol(node, awaitInfo.GetAwaiterMethod)
                    && CheckSymbol(node, awaitInfo.IsCompletedProperty)
                    && CheckSymbol(node, awaitInfo.GetResultMethod);
                break;
            case AssignmentExpressionSyntax assignment when assignment.Left is TupleExpressionSyntax or DeclarationExpressionSyntax:
                CheckDeconstruction(assignment, _model.GetDeconstructionInfo(assignment));
                break;
            case InitializerExpressionSyntax { RawKind: (int)SyntaxKind.CollectionInitializerExpression or (int)SyntaxKind.ComplexElementInitializerExpression } initializer:
                foreach (var element in initializer.Expressions)
                {
                    var addInfo = _model.GetCollectionInitializerSymbolInfo(element);
                    CheckSymbol(element, addInfo.Symbol);
                }

                break;
            case QueryClauseSyntax clause:
                var clauseInfo = _model.GetQueryClauseInfo(clause);
                _ = CheckSymbol(clause, clauseInfo.CastInfo.Symbol) && CheckSymbol(clause, clauseInfo.OperationInfo.Symbol);
                break;
            case ParameterSyntax or SingleVariableDesignationSyntax or VariableDeclaratorSyntax or CatchDeclarationSyntax
                or ForEachStatementSyntax or FromClauseSyntax or LetClauseSyntax or JoinClauseSyntax or JoinIntoClauseSyntax
                or QueryContinuationSyntax or TypeParameterSyntax or BaseTypeDeclarationSyntax or DelegateDeclarationSyntax
                or MethodDeclarationSyntax or LocalFunctionStatementSyntax or PropertyDeclarationSyntax:
                CheckDeclared(node, _model.GetDeclaredSymbol(node));
                break;
        }
    }

    private void CheckDeconstruction(SyntaxNode node, DeconstructionInfo info)
    {
        if (!CheckSymbol(node, info.Method) || !CheckSymbol(node, info.Conversion?.MethodSymbol))
        {
            return;
        }

        foreach (var nested in info.Nested)
        {
            CheckDeconstruction(node, nested);
        }
    }

    private void CheckDeclared(SyntaxNode node, ISymbol? symbol)
    {
        switch (symbol)
        {
            case ILocalSymbol local:
                CheckSymbol(node, local.Type);
                break;
            case IParameterSymbol parameter:
                CheckSymbol(node, parameter.Type);
                break;
            case IRangeVariableSymbol:
                break;
            case INamedTypeSymbol type:
                _ = CheckSymbol(node, type.BaseType) && type.Interfaces.All(i => CheckSymbol(node, i)) && CheckAttributes(node, type.GetAttributes());
                if (type.TypeKind == TypeKind.Delegate && type.DelegateInvokeMethod is { } invoke)
                {
                    CheckSignature(node, invoke);
                }

                break;
            case ITypeParameterSymbol typeParameter:
                _ = typeParameter.ConstraintTypes.All(c => CheckSymbol(node, c));
                break;
            case IMethodSymbol method:
                _ = CheckAttributes(node, method.GetAttributes()) && CheckAttributes(node, method.GetReturnTypeAttributes()) && CheckSignature(node, method);
                break;
            case IPropertySymbol property:
                _ = CheckSymbol(node, property.Type) && CheckAttributes(node, property.GetAttributes());
                break;
        }
    }

    private bool CheckAttributes(SyntaxNode node, IEnumerable<AttributeData> attributes) =>
        attributes.All(a => CheckSymbol(node, a.AttributeClass) && CheckSymbol(node, a.AttributeConstructor));

    private bool CheckSignature(SyntaxNode node, IMethodSymbol method) =>
        CheckSymbol(node, method.ReturnType) && method.Parameters.All(p => CheckSymbol(node, p.Type));

    private void CheckOperation(IOperation operation)
    {
        var node = operation.Syntax;
        if (IsInsideNameOf(node))
        {
            return;
        }

        switch (operation)
        {
            case IDynamicInvocationOperation or IDynamicMemberReferenceOperation or IDynamicObjectCreationOperation
                or IDynamicIndexerAccessOperation:
                Report(node, SkillDiagnosticCodes.SymbolNotAllowed, "'dynamic' is not allowed in skills (late binding)");
                return;
            case IInvocationOperation invocation:
                CheckSymbol(node, invocation.TargetMethod);
                break;
            case IObjectCreationOperation creation:
                CheckSymbol(node, creation.Constructor);
                break;
            case IMemberReferenceOperation reference:
                CheckSymbol(node, reference.Member);
                break;
            case IConversionOperation conversion:
                CheckSymbol(node, conversion.OperatorMethod);
                break;
            case IBinaryOperation binary:
                CheckSymbol(node, binary.OperatorMethod);
                break;
            case IUnaryOperation unary:
                CheckSymbol(node, unary.OperatorMethod);
                break;
            case ICompoundAssignmentOperation compound:
                CheckSymbol(node, compound.OperatorMethod);
                break;
            case IIncrementOrDecrementOperation increment:
                CheckSymbol(node, increment.OperatorMethod);
                break;
            case IRecursivePatternOperation pattern:
                CheckSymbol(node, pattern.DeconstructSymbol);
                break;
            case ICollectionExpressionOperation collection:
                CheckSymbol(node, collection.ConstructMethod);
                break;
            case ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Member: { IsStatic: true } member } } when !IsFromSkill(member):
                Report(node, SkillDiagnosticCodes.GlobalStateWrite, $"assigning '{member.ToDisplayString()}' is not allowed in skills (process-wide state)");
                break;
        }

        CheckSymbol(node, operation.Type);
    }

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

    private bool IsFromSkill(ISymbol symbol) => SymbolEqualityComparer.Default.Equals(symbol.ContainingAssembly, _compilation.Assembly);

    // nameof(...) only produces a string, so what it names is not a use. Found once per tree: walking up from
    // every node instead would be quadratic in the depth of a long expression.
    private List<Microsoft.CodeAnalysis.Text.TextSpan>? _nameOfArguments;

    private bool IsInsideNameOf(SyntaxNode node)
    {
        _nameOfArguments ??= [.. node.SyntaxTree.GetRoot().DescendantNodes()
            .OfType<InvocationExpressionSyntax>()
            .Where(i => i.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" } && _model.GetOperation(i) is INameOfOperation)
            .Select(i => i.ArgumentList.Span)];
        return _nameOfArguments.Count > 0 && _nameOfArguments.Exists(span => span.Contains(node.Span));
    }

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

    private static bool IsReservedNamespace(string name) =>
        SandboxAllowlist.ReservedNamespaces.Any(r => name == r || name.StartsWith(r + ".", StringComparison.Ordinal)
            || name.StartsWith("global::" + r, StringComparison.Ordinal));

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

    private void Report(SyntaxNode node, string code, string message)
    {
        var location = node switch
        {
            BaseTypeDeclarationSyntax type => type.Identifier.GetLocation(),
            DelegateDeclarationSyntax type => type.Identifier.GetLocation(),
            MethodDeclarationSyntax method => method.Identifier.GetLocation(),
            LocalFunctionStatementSyntax function => function.Identifier.GetLocation(),
            PropertyDeclarationSyntax property => property.Identifier.GetLocation(),
            ParameterSyntax { Type: { } type } => type.GetLocation(),
            _ => node.GetLocation(),
        };
        if (node is ExpressionSyntax)
        {
            _reportedExpressions.Add(node.Span);
        }

        Report(location, code, message);
    }

    private void Report(SyntaxToken token, string code, string message) => Report(token.GetLocation(), code, message);

    private void Report(Location location, string code, string message)
    {
        // GetLineSpan, not GetMappedLineSpan: positions must point into the text the author wrote.
        var position = location.GetLineSpan().StartLinePosition;
        var line = position.Line + 1;
        var column = position.Character + 1;
        if (_reported.Add((line, column, code)))
        {
            _diagnostics.Add(SkillDiagnostic.AnError(code, line, column, message));
        }
    }
}
