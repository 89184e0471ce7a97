using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

public sealed class SkillTestCase
{
    [MaxLength(128)]
    [Description("Name of the test case, shown in results.")]
    public string? Name { get; set; }

    [Required, MinLength(1), MaxLength(128)]
    [Description("Function to call.")]
    public string Function { get; set; } = "";

    [Description("Arguments by parameter name, as strings (converted to the parameter types).")]
    public IDictionary<string, string>? Arguments { get; set; }

    [Required]
    [Description("What the function's result must satisfy.")]
    public SkillExpectation Expect { get; set; } = new();
}

[CelRule("(has(self.equals) ? 1 : 0) + (has(self.contains) ? 1 : 0) + (has(self.matches) ? 1 : 0) == 1",
    "exactly one of equals, contains or matches must be set")]
public sealed class SkillExpectation
{
    // Named EqualTo because Equals would hide object.Equals; the wire name stays `equals`.
    [JsonPropertyName("equals"), MaxLength(65_536)]
    [Description("The result must equal this text.")]
    public string? EqualTo { get; set; }

    [MaxLength(65_536)]
    [Description("The result must contain this text.")]
    public string? Contains { get; set; }

    [MaxLength(4096)]
    [Description("The result must match this regular expression.")]
    public string? Matches { get; set; }
}
