namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>Limits and cancellation that skill calls started in the current execution context run under.</summary>
public sealed record SkillCallSettings(SkillLimits Limits, CancellationToken Cancellation)
{
    public static SkillCallSettings Default { get; } = new(SkillLimits.Default, CancellationToken.None);

    /// <summary>
    /// Makes these settings ambient for skill calls below the current async flow (an AsyncLocal, so it reaches
    /// the skill through Semantic Kernel's invocation pipeline) until the returned scope is disposed.
    /// </summary>
    public IDisposable Use()
    {
        var previous = SkillGuard.Ambient;
        SkillGuard.Ambient = this;
        return new Restore(previous);
    }

    private sealed class Restore(SkillCallSettings? previous) : IDisposable
    {
        public void Dispose() => SkillGuard.Ambient = previous;
    }
}
