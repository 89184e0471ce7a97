using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

/// <summary>How a skill's functions are defined.</summary>
public enum SkillType
{
    /// <summary>One function rendered from a prompt template and answered by the agent's model.</summary>
    Prompt,

    /// <summary>C# methods marked [KernelFunction], compiled at run time inside the sandbox.</summary>
    CSharp,
}

[CelRule("self.type != 'CSharp' || (has(self.csharp) && !has(self.prompt))", "type CSharp requires csharp and forbids prompt", FieldPath = ".csharp")]
[CelRule("self.type != 'Prompt' || (has(self.prompt) && !has(self.csharp))", "type Prompt requires prompt and forbids csharp", FieldPath = ".prompt")]
public sealed class V1Alpha1SkillSpec
{
    [MaxLength(1024)]
    [Description("What the skill does; models read it when choosing a tool.")]
    public string? Description { get; set; }

    [Required]
    [Description("Prompt (spec.prompt) or CSharp (spec.csharp).")]
    public SkillType Type { get; set; }

    [MaxLength(64), RegularExpression(@"^v?[0-9]+(\.[0-9]+){0,2}([-+][0-9A-Za-z.-]+)?$"), SchemaDefault("\"" + SkillDefaults.Version + "\"")]
    [Description("Version label of this content. Agents may pin it; each published version is kept in the store.")]
    public string? Version { get; set; }

    [Description("The prompt template, for type Prompt.")]
    public PromptSkill? Prompt { get; set; }

    // The default camel-casing would give `cSharp`; the wire name is `csharp`.
    [JsonPropertyName("csharp")]
    [Description("The C# source, for type CSharp.")]
    public CSharpSkill? CSharp { get; set; }

    [MaxLength(100)]
    [Description("Test cases run before the skill is published (and by `metaevolve skill test`).")]
    public IList<SkillTestCase>? Tests { get; set; }

    [SchemaDefault("{}")]
    [Description("Who wrote the skill.")]
    public SkillOrigin? Origin { get; set; }
}
