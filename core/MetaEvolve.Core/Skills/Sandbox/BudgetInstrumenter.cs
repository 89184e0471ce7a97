using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>
/// Rewrites skill source so that it stops itself: .NET cannot abort a thread, so the only way to get the CPU
/// back from runaway code is for that code to check its budget often. A check goes at every method,
/// accessor, operator, local function and lambda entry (recursion), every loop back-edge and every goto
/// (jumps); array sizes are bounded; [KernelFunction] entry points open and close the call's budget.
/// Runs after the policy accepted the source, on the original tree, with its semantic model.
/// </summary>
internal sealed class BudgetInstrumenter(SemanticModel model) : CSharpSyntaxRewriter
{
    private const string Guard = "global::MetaEvolve.Core.Skills.Sandbox.SkillGuard";
    private const string BudgetLocal = "__metaevolve_budget";

    private static readonly StatementSyntax CheckStatement = ParseStatement($"{Guard}.Check();");

    public static SyntaxTree Instrument(SyntaxTree tree, SemanticModel model, CancellationToken cancellationToken)
    {
        var root = new BudgetInstrumenter(model).Visit(tree.GetRoot(cancellationToken));
        return tree.WithRootAndOptions(root, tree.Options);
    }

    public override SyntaxNode? VisitMethodDeclaration(MethodDeclarationSyntax node)
    {
        var visited = (MethodDeclarationSyntax)base.VisitMethodDeclaration(node)!;
        if (visited.Body is null && visited.ExpressionBody is null)
        {
            return visited;
        }

        var symbol = model.GetDeclaredSymbol(node);
        var body = WithCheck(ToBlock(visited.Body, visited.ExpressionBody, ReturnsValue(symbol)));
        if (symbol is not null && IsEntryPoint(symbol))
        {
            body = WrapEntryPoint(body);
        }

        return visited.WithBody(body).WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitLocalFunctionStatement(LocalFunctionStatementSyntax node)
    {
        var visited = (LocalFunctionStatementSyntax)base.VisitLocalFunctionStatement(node)!;
        if (visited.Body is null && visited.ExpressionBody is null)
        {
            return visited;
        }

        var symbol = model.GetDeclaredSymbol(node) as IMethodSymbol;
        return visited.WithBody(WithCheck(ToBlock(visited.Body, visited.ExpressionBody, ReturnsValue(symbol))))
            .WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitConstructorDeclaration(ConstructorDeclarationSyntax node)
    {
        var visited = (ConstructorDeclarationSyntax)base.VisitConstructorDeclaration(node)!;
        return visited.Body is null && visited.ExpressionBody is null
            ? visited
            : visited.WithBody(WithCheck(ToBlock(visited.Body, visited.ExpressionBody, returnsValue: false)))
                .WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitOperatorDeclaration(OperatorDeclarationSyntax node)
    {
        var visited = (OperatorDeclarationSyntax)base.VisitOperatorDeclaration(node)!;
        return visited.Body is null && visited.ExpressionBody is null
            ? visited
            : visited.WithBody(WithCheck(ToBlock(visited.Body, visited.ExpressionBody, ReturnsValue(model.GetDeclaredSymbol(node)))))
                .WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitConversionOperatorDeclaration(ConversionOperatorDeclarationSyntax node)
    {
        var visited = (ConversionOperatorDeclarationSyntax)base.VisitConversionOperatorDeclaration(node)!;
        return visited.Body is null && visited.ExpressionBody is null
            ? visited
            : visited.WithBody(WithCheck(ToBlock(visited.Body, visited.ExpressionBody, returnsValue: true)))
                .WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitAccessorDeclaration(AccessorDeclarationSyntax node)
    {
        var visited = (AccessorDeclarationSyntax)base.VisitAccessorDeclaration(node)!;
        if (visited.Body is null && visited.ExpressionBody is null)
        {
            return visited;
        }

        var returnsValue = node.IsKind(SyntaxKind.GetAccessorDeclaration);
        return visited.WithBody(WithCheck(ToBlock(visited.Body, visited.ExpressionBody, returnsValue)))
            .WithExpressionBody(null).WithSemicolonToken(default);
    }

    public override SyntaxNode? VisitPropertyDeclaration(PropertyDeclarationSyntax node)
    {
        var visited = (PropertyDeclarationSyntax)base.VisitPropertyDeclaration(node)!;
        if (visited.ExpressionBody is not { } arrow)
        {
            return visited;
        }

        var getter = AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, WithCheck(ToBlock(null, arrow, returnsValue: true)));
        return visited.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(AccessorList(SingletonList(getter)));
    }

    public override SyntaxNode? VisitIndexerDeclaration(IndexerDeclarationSyntax node)
    {
        var visited = (IndexerDeclarationSyntax)base.VisitIndexerDeclaration(node)!;
        if (visited.ExpressionBody is not { } arrow)
        {
            return visited;
        }

        var getter = AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, WithCheck(ToBlock(null, arrow, returnsValue: true)));
        return visited.WithExpressionBody(null).WithSemicolonToken(default).WithAccessorList(AccessorList(SingletonList(getter)));
    }

    public override SyntaxNode? VisitParenthesizedLambdaExpression(ParenthesizedLambdaExpressionSyntax node)
    {
        var visited = (ParenthesizedLambdaExpressionSyntax)base.VisitParenthesizedLambdaExpression(node)!;
        return visited.WithBlock(WithCheck(ToBlock(visited.Block, visited.ExpressionBody, LambdaReturnsValue(node)))).WithExpressionBody(null);
    }

    public override SyntaxNode? VisitSimpleLambdaExpression(SimpleLambdaExpressionSyntax node)
    {
        var visited = (SimpleLambdaExpressionSyntax)base.VisitSimpleLambdaExpression(node)!;
        return visited.WithBlock(WithCheck(ToBlock(visited.Block, visited.ExpressionBody, LambdaReturnsValue(node)))).WithExpressionBody(null);
    }

    public override SyntaxNode? VisitAnonymousMethodExpression(AnonymousMethodExpressionSyntax node)
    {
        var visited = (AnonymousMethodExpressionSyntax)base.VisitAnonymousMethodExpression(node)!;
        return visited.WithBlock(WithCheck(visited.Block));
    }

    public override SyntaxNode? VisitWhileStatement(WhileStatementSyntax node) =>
        ((WhileStatementSyntax)base.VisitWhileStatement(node)!) is var v ? v.WithStatement(WithCheck(v.Statement)) : null;

    public override SyntaxNode? VisitDoStatement(DoStatementSyntax node) =>
        ((DoStatementSyntax)base.VisitDoStatement(node)!) is var v ? v.WithStatement(WithCheck(v.Statement)) : null;

    public override SyntaxNode? VisitForStatement(ForStatementSyntax node) =>
        ((ForStatementSyntax)base.VisitForStatement(node)!) is var v ? v.WithStatement(WithCheck(v.Statement)) : null;

    public override SyntaxNode? VisitForEachStatement(ForEachStatementSyntax node) =>
        ((ForEachStatementSyntax)base.VisitForEachStatement(node)!) is var v ? v.WithStatement(WithCheck(v.Statement)) : null;

    public override SyntaxNode? VisitForEachVariableStatement(ForEachVariableStatementSyntax node) =>
        ((ForEachVariableStatementSyntax)base.VisitForEachVariableStatement(node)!) is var v ? v.WithStatement(WithCheck(v.Statement)) : null;

    // Checking before every jump covers backward gotos and `goto case` loops without touching label scopes.
    public override SyntaxNode? VisitGotoStatement(GotoStatementSyntax node) =>
        Block(CheckStatement, (StatementSyntax)base.VisitGotoStatement(node)!);

    public override SyntaxNode? VisitArrayRankSpecifier(ArrayRankSpecifierSyntax node)
    {
        var visited = (ArrayRankSpecifierSyntax)base.VisitArrayRankSpecifier(node)!;
        if (node.Parent is not ArrayTypeSyntax { Parent: ArrayCreationExpressionSyntax })
        {
            return visited;
        }

        var sizes = visited.Sizes.Select((size, i) =>
        {
            if (size is OmittedArraySizeExpressionSyntax)
            {
                return size;
            }

            var type = model.GetTypeInfo(node.Sizes[i]).ConvertedType?.SpecialType;
            return type is SpecialType.System_UInt64 or SpecialType.System_UIntPtr
                ? size
                : InvocationExpression(ParseExpression($"{Guard}.Length"), ArgumentList(SingletonSeparatedList(Argument(size))));
        });
        return visited.WithSizes(SeparatedList(sizes));
    }

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        var visited = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
        return visited.WithArgumentList(ClampRegexTimeout(node, node.ArgumentList, visited.ArgumentList));
    }

    public override SyntaxNode? VisitObjectCreationExpression(ObjectCreationExpressionSyntax node)
    {
        var visited = (ObjectCreationExpressionSyntax)base.VisitObjectCreationExpression(node)!;
        return node.ArgumentList is null ? visited : visited.WithArgumentList(ClampRegexTimeout(node, node.ArgumentList, visited.ArgumentList!));
    }

    public override SyntaxNode? VisitImplicitObjectCreationExpression(ImplicitObjectCreationExpressionSyntax node)
    {
        var visited = (ImplicitObjectCreationExpressionSyntax)base.VisitImplicitObjectCreationExpression(node)!;
        return visited.WithArgumentList(ClampRegexTimeout(node, node.ArgumentList, visited.ArgumentList));
    }

    /// <summary>Wraps the TimeSpan argument of a Regex constructor or method in <c>SkillGuard.RegexTimeout</c>.</summary>
    private ArgumentListSyntax ClampRegexTimeout(ExpressionSyntax original, ArgumentListSyntax originalArguments, ArgumentListSyntax visitedArguments)
    {
        var method = model.GetSymbolInfo(original).Symbol as IMethodSymbol;
        if (method?.ContainingType?.ToDisplayString() != "System.Text.RegularExpressions.Regex"
            || model.GetOperation(original) is not { } operation)
        {
            return visitedArguments;
        }

        var arguments = operation switch
        {
            Microsoft.CodeAnalysis.Operations.IInvocationOperation invocation => invocation.Arguments,
            Microsoft.CodeAnalysis.Operations.IObjectCreationOperation creation => creation.Arguments,
            _ => [],
        };
        var result = visitedArguments;
        foreach (var argument in arguments)
        {
            if (argument.Parameter?.Type.ToDisplayString() != "System.TimeSpan" || argument.Syntax is not ArgumentSyntax syntax)
            {
                continue;
            }

            var index = originalArguments.Arguments.IndexOf(syntax);
            if (index < 0)
            {
                continue;
            }

            var target = result.Arguments[index];
            var clamped = target.WithExpression(InvocationExpression(ParseExpression($"{Guard}.RegexTimeout"),
                ArgumentList(SingletonSeparatedList(Argument(target.Expression)))));
            result = result.WithArguments(result.Arguments.Replace(target, clamped));
        }

        return result;
    }

    private static BlockSyntax WrapEntryPoint(BlockSyntax body)
    {
        var enter = ParseStatement($"var {BudgetLocal} = {Guard}.Enter();");
        var exit = ParseStatement($"{Guard}.Exit({BudgetLocal});");
        return Block(enter, TryStatement(body, default, FinallyClause(Block(exit))));
    }

    private static BlockSyntax WithCheck(StatementSyntax statement) =>
        statement is BlockSyntax block ? block.WithStatements(block.Statements.Insert(0, CheckStatement)) : Block(CheckStatement, statement);

    private static BlockSyntax ToBlock(BlockSyntax? body, ArrowExpressionClauseSyntax? arrow, bool returnsValue) =>
        body ?? Block(ToStatement(arrow!.Expression, returnsValue));

    private static BlockSyntax ToBlock(BlockSyntax? body, ExpressionSyntax? expression, bool returnsValue) =>
        body ?? Block(ToStatement(expression!, returnsValue));

    private static StatementSyntax ToStatement(ExpressionSyntax expression, bool returnsValue) => expression switch
    {
        ThrowExpressionSyntax thrown => ThrowStatement(thrown.Expression),
        _ when returnsValue => ReturnStatement(expression),
        _ => ExpressionStatement(expression),
    };

    private bool LambdaReturnsValue(AnonymousFunctionExpressionSyntax lambda) =>
        ReturnsValue(model.GetSymbolInfo(lambda).Symbol as IMethodSymbol);

    /// <summary>Whether an expression body becomes <c>return expr;</c> (as opposed to <c>expr;</c>).</summary>
    private static bool ReturnsValue(IMethodSymbol? method)
    {
        if (method is null || method.ReturnsVoid)
        {
            return false;
        }

        // `async Task F() => Work();` has no value to return from the state machine.
        return !(method.IsAsync && method.ReturnType is INamedTypeSymbol { IsGenericType: false } returned
            && returned.Name is "Task" or "ValueTask");
    }

    private static bool IsEntryPoint(IMethodSymbol method) =>
        method.GetAttributes().Any(a => a.AttributeClass is { Name: "KernelFunctionAttribute" } attribute
            && attribute.ContainingNamespace.ToDisplayString() == "Microsoft.SemanticKernel");
}
