namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>An agent names a skill version the store cannot provide or the engine cannot load.</summary>
public sealed class SkillUnavailableException : Exception
{
    public SkillUnavailableException() { }
    public SkillUnavailableException(string message) : base(message) { }
    public SkillUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
