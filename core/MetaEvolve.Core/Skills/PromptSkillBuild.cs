using Microsoft.SemanticKernel;

namespace MetaEvolve.Core.Skills;

/// <summary>A prompt function ready to add to a kernel, or why the template was rejected.</summary>
public sealed record PromptSkillBuild(KernelFunction? Function, IPromptTemplate? Template, IReadOnlyList<SkillDiagnostic> Diagnostics)
{
    public bool Succeeded => Function is not null;
}
