using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>A loaded skill version as a Semantic Kernel plugin (named by <see cref="SkillNames.ToKernelName"/>).</summary>
/// <param name="Assembly">For a C# skill, the compiled assembly its functions run in skill hosts; null for a prompt skill.</param>
public sealed record SkillPlugin(StoredSkill Skill, KernelPlugin Plugin, SkillAssembly? Assembly = null)
{
    public bool IsPrompt => Skill.Type == "Prompt";
}
