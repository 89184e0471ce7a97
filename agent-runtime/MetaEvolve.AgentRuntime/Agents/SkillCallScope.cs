using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Who a skill call runs for and under which limits, carried in the agent's Kernel (<see cref="Kernel.Data"/>) so
/// that a plugin shared by several agents still gives each agent its own hosts.
/// </summary>
/// <param name="Tenant"><c>namespace/agent</c>.</param>
internal sealed record SkillCallScope(string Tenant, SkillLimits Limits)
{
    private const string Key = "metaevolve.skill-call-scope";

    public void Attach(Kernel kernel) => kernel.Data[Key] = this;

    public static SkillCallScope Of(Kernel kernel) =>
        kernel.Data.TryGetValue(Key, out var value) && value is SkillCallScope scope
            ? scope
            : throw new InvalidOperationException("the kernel carries no skill call scope (AgentCatalog attaches one to every agent kernel)");
}
