using System.Text.Json.Nodes;
using MetaEvolve.Crds;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>An agent's <c>spec.evolution</c>, with the schema's defaults (<see cref="AgentDefaults"/>) for absent fields.</summary>
public sealed record AgentEvolutionSettings(bool Enabled, int MaxAuthoredSkills, int MaxProposalsPerHour, bool UseAuthoredSkills)
{
    public static AgentEvolutionSettings Default { get; } = new(
        AgentDefaults.EvolutionEnabled, AgentDefaults.MaxAuthoredSkills, AgentDefaults.MaxProposalsPerHour, AgentDefaults.UseAuthoredSkills);

    public static AgentEvolutionSettings Parse(JsonObject? evolution) => evolution is null ? Default : new(
        (bool?)evolution["enabled"] ?? AgentDefaults.EvolutionEnabled,
        (int?)evolution["maxAuthoredSkills"] ?? AgentDefaults.MaxAuthoredSkills,
        (int?)evolution["maxProposalsPerHour"] ?? AgentDefaults.MaxProposalsPerHour,
        (bool?)evolution["useAuthoredSkills"] ?? AgentDefaults.UseAuthoredSkills);
}
