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
internal sealed partial class SandboxPolicy
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
            CheckReservedName(node);
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
                    CheckEscapes(operation);
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

    private static bool IsReservedNamespace(string name) =>
        SandboxAllowlist.ReservedNamespaces.Any(r => name == r || name.StartsWith(r + ".", StringComparison.Ordinal)
            || name.StartsWith("global::" + r, StringComparison.Ordinal));

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
