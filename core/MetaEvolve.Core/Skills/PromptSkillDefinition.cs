namespace MetaEvolve.Core.Skills;

/// <summary>
/// What the engine needs to build a prompt function. Core does not reference the Kubernetes API types; the
/// operator and the CLI map a Skill's spec.prompt onto this.
/// </summary>
/// <param name="Format">Template format; null or "SemanticKernel" (the only one supported).</param>
public sealed record PromptSkillDefinition(
    string Name,
    string? Description,
    string Template,
    string? Format,
    IReadOnlyList<PromptSkillVariable> InputVariables,
    PromptSkillSettings? Settings);

/// <summary>A template variable; it becomes a parameter of the prompt function.</summary>
public sealed record PromptSkillVariable(string Name, string? Description, string? Default, bool IsRequired);

/// <summary>Model settings carried by the prompt function (OpenAI-style names for the connectors).</summary>
public sealed record PromptSkillSettings(double? Temperature, double? TopP, int? MaxTokens, IReadOnlyList<string>? StopSequences);
