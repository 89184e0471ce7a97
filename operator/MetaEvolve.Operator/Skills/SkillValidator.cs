using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Skills;

/// <summary>
/// Validates a Skill with the code every process shares (core's <see cref="SkillChecker"/>): a prompt template must
/// parse; C# source must pass the sandbox policy, compile, and pass its declared tests, run in a skill host through
/// the same <see cref="ISkillExecutor"/> the workers use. Maps the Kubernetes spec onto core's definitions; no second
/// implementation of any check lives here. Prompt skills' tests need a model and are not run here.
/// </summary>
public sealed class SkillValidator(CSharpSkillCompiler compiler, ISkillExecutor executor)
{
    private readonly SkillChecker _checker = new(compiler, executor);

    public async Task<SkillValidation> ValidateAsync(V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var result = skill.Spec.Type switch
        {
            SkillType.CSharp => await ValidateCSharpAsync(skill, digest, cancellationToken),
            _ => ValidatePrompt(skill),
        };
        return new SkillValidation(Reason(result.Failure), result.Diagnostics, result.Functions, result.Assembly);
    }

    private Task<SkillCheckResult> ValidateCSharpAsync(V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        var cases = (skill.Spec.Tests ?? []).Select((t, i) => new SkillTestCaseDefinition(
            SkillChecker.TestLabel(t.Name, t.Function, i),
            t.Function,
            (t.Arguments ?? new Dictionary<string, string>()).ToDictionary(a => a.Key, a => (string?)a.Value),
            new SkillTestExpectation(t.Expect.EqualTo, t.Expect.Contains, t.Expect.Matches))).ToList();
        return _checker.CheckCSharpAsync(
            skill.Spec.CSharp?.Source ?? "",
            digest,
            SkillNames.ToKernelName(skill.Metadata.Name ?? "skill"),
            cases,
            $"operator:{skill.Metadata.NamespaceProperty}/{skill.Metadata.Name}",
            cancellationToken);
    }

    private static SkillCheckResult ValidatePrompt(V1Alpha1Skill skill)
    {
        var prompt = skill.Spec.Prompt ?? new PromptSkill();
        return SkillChecker.CheckPrompt(new PromptSkillDefinition(
            FunctionName(skill),
            skill.Spec.Description,
            prompt.Template,
            prompt.Format?.ToString(),
            [.. (prompt.InputVariables ?? []).Select(v => new PromptSkillVariable(v.Name, v.Description, v.Default, v.IsRequired ?? SkillDefaults.InputVariableIsRequired))],
            prompt.ExecutionSettings is { } s ? new PromptSkillSettings(s.Temperature, s.TopP, s.MaxTokens, s.StopSequences?.ToList()) : null));
    }

    private static string? Reason(SkillCheckFailure? failure) => failure switch
    {
        null => null,
        SkillCheckFailure.PolicyViolation => ConditionReasons.PolicyViolation,
        SkillCheckFailure.CompilationFailed => ConditionReasons.CompilationFailed,
        SkillCheckFailure.TestsFailed => ConditionReasons.TestsFailed,
        SkillCheckFailure.TemplateInvalid => ConditionReasons.TemplateInvalid,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };

    /// <summary>A prompt skill has one function, named after the skill ('-' is not allowed in function names).</summary>
    public static string FunctionName(V1Alpha1Skill skill) => skill?.Metadata.Name.Replace('-', '_') ?? "";
}
