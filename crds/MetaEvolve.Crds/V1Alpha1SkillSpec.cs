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

    /// <summary>The tools of a remote MCP server (spec.mcp), listed when the skill is loaded.</summary>
    Mcp,
}

[CelRule("self.type != 'CSharp' || (has(self.csharp) && !has(self.prompt))", "type CSharp requires csharp and forbids prompt", FieldPath = ".csharp")]
[CelRule("self.type != 'Prompt' || (has(self.prompt) && !has(self.csharp))", "type Prompt requires prompt and forbids csharp", FieldPath = ".prompt")]
[CelRule("self.type != 'Mcp' || (has(self.mcp) && !has(self.prompt) && !has(self.csharp))", "type Mcp requires mcp and forbids prompt and csharp", FieldPath = ".mcp")]
[CelRule("self.type == 'Mcp' || !has(self.mcp)", "mcp is only allowed with type Mcp", FieldPath = ".mcp")]
public sealed class V1Alpha1SkillSpec
{
    [MaxLength(1024)]
    [Description("What the skill does; models read it when choosing a tool.")]
    public string? Description { get; set; }

    [Required]
    [Description("Prompt (spec.prompt), CSharp (spec.csharp) or Mcp (spec.mcp).")]
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

    [Description("The MCP server whose tools are the skill's functions, for type Mcp.")]
    public McpSkill? Mcp { get; set; }

    [MaxLength(100)]
    [Description("Test cases run before the skill is published (and by `metaevolve skill test`).")]
    public IList<SkillTestCase>? Tests { get; set; }

    [SchemaDefault("{}")]
    [Description("Who wrote the skill.")]
    public SkillOrigin? Origin { get; set; }
}
