using MetaEvolve.Core.Skills;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Skills;

/// <summary>
/// Validates a Skill with the code every process shares (core/Skills): a prompt template must parse; C# source
/// must pass the sandbox policy and compile. Maps the Kubernetes spec onto core's definitions; no second
/// implementation of either check lives here.
/// </summary>
public sealed class SkillValidator(CSharpSkillCompiler compiler)
{
    public SkillValidation Validate(V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skill);
        return skill.Spec.Type switch
        {
            SkillType.CSharp => ValidateCSharp(skill, digest, cancellationToken),
            _ => ValidatePrompt(skill),
        };
    }

    private SkillValidation ValidateCSharp(V1Alpha1Skill skill, string digest, CancellationToken cancellationToken)
    {
        var source = skill.Spec.CSharp?.Source ?? "";
        var compilation = compiler.Compile(source, AssemblyName(digest), cancellationToken);
        if (compilation.Succeeded)
        {
            return new SkillValidation(null, [], compilation.Functions, compilation.Assembly);
        }

        var policy = compilation.Diagnostics.Any(d => d.Code.StartsWith("SBX", StringComparison.Ordinal));
        return new SkillValidation(policy ? ConditionReasons.PolicyViolation : ConditionReasons.CompilationFailed, compilation.Diagnostics, compilation.Functions, null);
    }

    private static SkillValidation ValidatePrompt(V1Alpha1Skill skill)
    {
        var prompt = skill.Spec.Prompt ?? new PromptSkill();
        var definition = new PromptSkillDefinition(
            FunctionName(skill),
            skill.Spec.Description,
            prompt.Template,
            prompt.Format?.ToString(),
            [.. (prompt.InputVariables ?? []).Select(v => new PromptSkillVariable(v.Name, v.Description, v.Default, v.IsRequired ?? true))],
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
