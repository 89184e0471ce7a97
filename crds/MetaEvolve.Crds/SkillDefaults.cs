namespace MetaEvolve.Crds;

/// <summary>
/// The Skill spec's defaults, defined once: the schema declares them (<c>SchemaDefault</c>) and the operator, the CLI
/// and the workers apply the same values where a field is absent.
/// </summary>
public static class SkillDefaults
{
    public const string Version = "1.0.0";
    public const SkillAuthor AuthoredBy = SkillAuthor.Human;
    public const PromptTemplateFormat PromptFormat = PromptTemplateFormat.SemanticKernel;
    public const bool InputVariableIsRequired = true;
}
