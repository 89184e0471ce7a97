using System.ComponentModel;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

/// <summary>Who wrote a skill.</summary>
public enum SkillAuthor
{
    Human,
    Agent,
}

[CelRule("self.authoredBy == 'Human' || has(self.agentRef)", "agentRef is required when authoredBy is Agent", FieldPath = ".agentRef")]
public sealed class SkillOrigin
{
    [SchemaDefault(SkillDefaults.AuthoredBy)]
    [Description("Human, or Agent for a skill an agent authored.")]
    public SkillAuthor? AuthoredBy { get; set; }

    [Description("The agent that authored the skill, when authoredBy is Agent.")]
    public LocalObjectReference? AgentRef { get; set; }
}
