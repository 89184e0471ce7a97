namespace MetaEvolve.Core.Skills.Sandbox;

/// <summary>Resource limits for one skill call; enforced by checks compiled into the skill itself.</summary>
/// <param name="Timeout">Wall-clock budget of the call.</param>
/// <param name="MaxAllocatedBytes">Bytes the calling thread may allocate during the call.</param>
/// <param name="MaxArrayLength">Largest array (elements) skill code may create in one expression.</param>
public sealed record SkillLimits(TimeSpan Timeout, long MaxAllocatedBytes, int MaxArrayLength)
{
    public static SkillLimits Default { get; } = new(TimeSpan.FromSeconds(10), 256L * 1024 * 1024, 16 * 1024 * 1024);
}
