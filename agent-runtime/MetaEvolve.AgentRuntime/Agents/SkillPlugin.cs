using MetaEvolve.Core.Skills;
using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>A loaded skill version as a Semantic Kernel plugin (named by <see cref="SkillNames.ToKernelName"/>).</summary>
public sealed record SkillPlugin(StoredSkill Skill, KernelPlugin Plugin)
{
    public bool IsPrompt => Skill.Type == "Prompt";
}
