using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

/// <summary>How the operator and the workers talk to an MCP server.</summary>
public enum McpTransport
{
    /// <summary>MCP streamable HTTP: one endpoint answering POSTs (the current protocol).</summary>
    StreamableHttp,

    /// <summary>The older HTTP+SSE transport: an event stream plus a message endpoint.</summary>
    Sse,
}

/// <summary>A skill whose functions are the tools of a remote MCP server.</summary>
public sealed class McpSkill
{
    [Required, MinLength(1), MaxLength(2048), RegularExpression("^https?://.+")]
    [Description("URL of the MCP server's endpoint. The operator and every worker of pools whose agents use the skill connect to it: it is a server-side request, so point it only at servers you trust.")]
    public string Url { get; set; } = "";

    [SchemaDefault(McpSkillDefaults.Transport)]
    [Description("StreamableHttp (default) or Sse.")]
    public McpTransport? Transport { get; set; }

    [MaxLength(16)]
    [ListMapKeys("name")]
    [Description("HTTP headers sent with every request, each from a key of a Secret in the same namespace labelled metaevolve.io/agent-secret: \"true\" (the rule Agents follow). Values reach workers as environment variables, never the store, logs or task results.")]
    public IList<McpHeaderSource>? HeadersFrom { get; set; }

    [MaxLength(256)]
    [Description("Tool names to expose; absent, every tool the server lists. Pinning a version pins this list, not the server's tools.")]
    public IList<string>? Tools { get; set; }

    [Range(1, 3_600), SchemaDefault(McpSkillDefaults.TimeoutSeconds)]
    [Description("Most seconds one tool call (or connecting and listing the tools) may take.")]
    public int? TimeoutSeconds { get; set; }
}

public sealed class McpHeaderSource
{
    [Required, MinLength(1), MaxLength(128), RegularExpression("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
    [Description("HTTP header name, such as Authorization.")]
    public string Name { get; set; } = "";

    [Required]
    [Description("Secret key holding the header's value.")]
    public KeyReference SecretKeyRef { get; set; } = new();
}

/// <summary>The Mcp skill's defaults, declared in the schema and applied where a field is absent.</summary>
public static class McpSkillDefaults
{
    public const McpTransport Transport = McpTransport.StreamableHttp;
    public const int TimeoutSeconds = 30;
}
