using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Core.Skills.Sandbox;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Skills;

/// <summary>
/// Validates a Skill with the code every process shares (core/Skills): a prompt template must parse; C# source
/// must pass the sandbox policy, compile, and pass its declared tests, run in a skill host through the same
/// <see cref="ISkillExecutor"/> the workers use. Maps the Kubernetes spec onto core's definitions; no second
/// implementation of any check lives here. Prompt skills' tests need a model and are not run here.
/// </summary>
public sealed class SkillValidator(CSharpSkillCompiler compiler, ISkillExecutor executor)
{
    public async Task<SkillValidation> ValidateAsync(V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skill);
        return skill.Spec.Type switch
        {
            SkillType.CSharp => await ValidateCSharpAsync(skill, digest, cancellationToken),
            _ => ValidatePrompt(skill),
        };
    }

    private async Task<SkillValidation> ValidateCSharpAsync(V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        var source = skill.Spec.CSharp?.Source ?? "";
        var compilation = compiler.Compile(source, AssemblyName(digest), cancellationToken);
        if (compilation.Succeeded)
        {
            var failed = await RunTestsAsync(skill, digest, compilation.Assembly!, cancellationToken);
            return failed.Count == 0
                ? new SkillValidation(null, [], compilation.Functions, compilation.Assembly)
                : new SkillValidation(ConditionReasons.TestsFailed, failed, compilation.Functions, null);
        }

        var policy = compilation.Diagnostics.Any(d => d.Code.StartsWith("SBX", StringComparison.Ordinal));
        return new SkillValidation(policy ? ConditionReasons.PolicyViolation : ConditionReasons.CompilationFailed, compilation.Diagnostics, compilation.Functions, null);
    }

    /// <returns>One diagnostic per test that did not pass (failed, or stopped by a limit).</returns>
    private async Task<IReadOnlyList<Core.Skills.SkillDiagnostic>> RunTestsAsync(V1Alpha1Skill skill, string digest, byte[] bytes, CancellationToken cancellationToken)
    {
        var tests = skill.Spec.Tests ?? [];
        if (tests.Count == 0)
        {
            return [];
        }

        var cases = tests.Select((t, i) => new SkillTestCaseDefinition(
            t.Name ?? $"{t.Function}#{i + 1}",
            t.Function,
            (t.Arguments ?? new Dictionary<string, string>()).ToDictionary(a => a.Key, a => (string?)a.Value),
            new SkillTestExpectation(t.Expect.EqualTo, t.Expect.Contains, t.Expect.Matches))).ToList();
        var assembly = new SkillAssembly(digest, SkillNames.ToKernelName(skill.Metadata.Name ?? "skill"), bytes);
        var outcomes = await executor.RunTestsAsync(assembly, cases, SkillLimits.Default, $"operator:{skill.Metadata.NamespaceProperty}/{skill.Metadata.Name}", cancellationToken);
        return [.. outcomes.Where(o => o.Verdict != SkillTestVerdict.Passed)
            .Select(o => Core.Skills.SkillDiagnostic.AnError(SkillDiagnosticCodes.TestFailed, 1, 1, $"test '{o.Label}' {o.Verdict.ToString().ToLowerInvariant()}: {o.Message}"))];
    }

    private static SkillValidation ValidatePrompt(V1Alpha1Skill skill)
    {
        var prompt = skill.Spec.Prompt ?? new PromptSkill();
        var definition = new PromptSkillDefinition(
            FunctionName(skill),
            skill.Spec.Description,
            prompt.Template,
            prompt.Format?.ToString(),
            [.. (prompt.InputVariables ?? []).Select(v => new PromptSkillVariable(v.Name, v.Description, v.Default, v.IsRequired ?? SkillDefaults.InputVariableIsRequired))],
            prompt.ExecutionSettings is { } s ? new PromptSkillSettings(s.Temperature, s.TopP, s.MaxTokens, s.StopSequences?.ToList()) : null);
        PromptSkillBuild build;
        try
        {
            build = PromptSkillFactory.Build(definition);
        }
        catch (ArgumentException exception)
        {
            return new SkillValidation(ConditionReasons.TemplateInvalid, [Core.Skills.SkillDiagnostic.AnError(SkillDiagnosticCodes.TemplateSyntax, 1, 1, exception.Message)], [], null);
        }

        if (!build.Succeeded)
        {
            return new SkillValidation(ConditionReasons.TemplateInvalid, build.Diagnostics, [], null);
        }

        var function = new SkillFunctionInfo(definition.Name, definition.Description, [.. definition.InputVariables.Select(v => v.Name)]);
        return new SkillValidation(null, [], [function], null);
    }

    /// <summary>A prompt skill has one function, named after the skill ('-' is not allowed in function names).</summary>
    public static string FunctionName(V1Alpha1Skill skill) => skill?.Metadata.Name.Replace('-', '_') ?? "";

    private static string AssemblyName(string digest) =>
        "skill_" + new string([.. digest.Where(char.IsAsciiLetterOrDigit).Skip("sha256".Length).Take(24)]);
}
