using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.Core.Skills;

/// <summary>
/// The checks a skill spec passes before it is published, shared by the operator (validating a Skill) and the
/// workers (an agent's proposal, checked early for fast feedback): a prompt template must parse; C# source must
/// pass the sandbox policy, compile, and pass its declared tests, run in a skill host through
/// <see cref="ISkillExecutor"/>. Callers map their own types onto core's definitions.
/// </summary>
public sealed class SkillChecker(CSharpSkillCompiler compiler, ISkillExecutor executor)
{
    /// <param name="digest">The spec's digest; it names the assembly.</param>
    /// <param name="tenant">Whose skill hosts run the tests.</param>
    public async Task<SkillCheckResult> CheckCSharpAsync(
        string source, string digest, string pluginName, IReadOnlyList<SkillTestCaseDefinition> tests, string tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tests);
        var compilation = compiler.Compile(source, AssemblyName(digest), cancellationToken);
        if (compilation.Succeeded)
        {
            var failed = await RunTestsAsync(new SkillAssembly(digest, pluginName, compilation.Assembly!), tests, tenant, cancellationToken);
            return failed.Count == 0
                ? new SkillCheckResult(null, [], compilation.Functions, compilation.Assembly)
                : new SkillCheckResult(SkillCheckFailure.TestsFailed, failed, compilation.Functions, null);
        }

        var policy = compilation.Diagnostics.Any(d => d.Code.StartsWith("SBX", StringComparison.Ordinal));
        return new SkillCheckResult(policy ? SkillCheckFailure.PolicyViolation : SkillCheckFailure.CompilationFailed, compilation.Diagnostics, compilation.Functions, null);
    }

    /// <summary>A prompt template must build; its tests need a model and are not run here.</summary>
    public static SkillCheckResult CheckPrompt(PromptSkillDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        PromptSkillBuild build;
        try
        {
            build = PromptSkillFactory.Build(definition);
        }
        catch (ArgumentException exception)
        {
            return new SkillCheckResult(SkillCheckFailure.TemplateInvalid, [SkillDiagnostic.AnError(SkillDiagnosticCodes.TemplateSyntax, 1, 1, exception.Message)], [], null);
        }

        if (!build.Succeeded)
        {
            return new SkillCheckResult(SkillCheckFailure.TemplateInvalid, build.Diagnostics, [], null);
        }

        var function = new SkillFunctionInfo(definition.Name, definition.Description, [.. definition.InputVariables.Select(v => v.Name)]);
        return new SkillCheckResult(null, [], [function], null);
    }

    /// <summary>The label a declared test is reported under: its name, else function#position (1-based).</summary>
    public static string TestLabel(string? name, string function, int index) => name ?? $"{function}#{index + 1}";

    /// <returns>One diagnostic per test that did not pass (failed, or stopped by a limit).</returns>
    private async Task<IReadOnlyList<SkillDiagnostic>> RunTestsAsync(SkillAssembly assembly, IReadOnlyList<SkillTestCaseDefinition> tests, string tenant, CancellationToken cancellationToken)
    {
        if (tests.Count == 0)
        {
            return [];
        }

        var outcomes = await executor.RunTestsAsync(assembly, tests, SkillLimits.Default, tenant, cancellationToken);
        return [.. outcomes.Where(o => o.Verdict != SkillTestVerdict.Passed)
            .Select(o => SkillDiagnostic.AnError(SkillDiagnosticCodes.TestFailed, 1, 1, $"test '{o.Label}' {o.Verdict.ToString().ToLowerInvariant()}: {o.Message}"))];
    }

    private static string AssemblyName(string digest) =>
        "skill_" + new string([.. digest.Where(char.IsAsciiLetterOrDigit).Skip("sha256".Length).Take(24)]);
}
