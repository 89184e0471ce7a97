using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace MetaEvolve.Crds;

public sealed class CSharpSkill
{
    [Required, MinLength(1), MaxLength(262_144)]
    [Description("C# source. Public methods marked [KernelFunction] become the skill's functions; the sandbox policy allows computation only (no I/O, network, reflection or threads).")]
    public string Source { get; set; } = "";
}
