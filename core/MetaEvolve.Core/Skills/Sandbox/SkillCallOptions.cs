namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>Limits and cancellation that skill calls started in the current execution context run under.</summary>
public sealed record SkillCallOptions(SkillLimits Limits, CancellationToken Cancellation)
{
    public static SkillCallOptions Default { get; } = new(SkillLimits.Default, CancellationToken.None);

    /// <summary>
    /// Makes these options ambient for skill calls below the current async flow (an AsyncLocal, so it reaches
    /// the skill through Semantic Kernel's invocation pipeline) until the returned scope is disposed.
    /// </summary>
    public IDisposable Use()
    {
        var previous = SkillGuard.Ambient;
        SkillGuard.Ambient = this;
        return new Restore(previous);
    }

    private sealed class Restore(SkillCallOptions? previous) : IDisposable
    {
        public void Dispose() => SkillGuard.Ambient = previous;
    }
}
