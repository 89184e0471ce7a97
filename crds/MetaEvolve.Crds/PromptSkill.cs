using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

/// <summary>Template syntax of a prompt skill.</summary>
public enum PromptTemplateFormat
{
    /// <summary>Semantic Kernel's template language: `{{$variable}}` and `{{plugin.function arg}}`.</summary>
    SemanticKernel,
}

public sealed class PromptSkill
{
    [Required, MinLength(1), MaxLength(65_536)]
    [Description("The prompt template.")]
    public string Template { get; set; } = "";

    [SchemaDefault(SkillDefaults.PromptFormat)]
    [Description("Template syntax; SemanticKernel is the one supported today.")]
    public PromptTemplateFormat? Format { get; set; }

    [MaxLength(32)]
    [ListMapKeys("name")]
    [Description("Variables the template reads; they become the function's parameters.")]
    public IList<PromptInputVariable>? InputVariables { get; set; }

    [Description("Model settings for this function, overriding the agent's.")]
    public PromptExecutionSettings? ExecutionSettings { get; set; }
}

public sealed class PromptInputVariable
{
    [Required, MinLength(1), MaxLength(64), RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$")]
    [Description("Variable name as used in the template.")]
    public string Name { get; set; } = "";

    [MaxLength(1024)]
    [Description("What the variable holds; models read it when calling the function.")]
    public string? Description { get; set; }

    [MaxLength(4096)]
    [Description("Value used when the caller gives none.")]
    public string? Default { get; set; }

    [SchemaDefault(SkillDefaults.InputVariableIsRequired)]
    [Description("Whether callers must give a value.")]
    public bool? IsRequired { get; set; }
}

public sealed class PromptExecutionSettings
{
    [Range(0.0, 2.0)]
    [Description("Sampling temperature.")]
    public double? Temperature { get; set; }

    [Range(0.0, 1.0)]
    [Description("Nucleus sampling probability mass.")]
    public double? TopP { get; set; }

    [Range(1, 1_000_000)]
    [Description("Most tokens in the completion.")]
    public int? MaxTokens { get; set; }

    [MaxLength(4)]
    [Description("Sequences that end the completion.")]
    public IList<string>? StopSequences { get; set; }
}
