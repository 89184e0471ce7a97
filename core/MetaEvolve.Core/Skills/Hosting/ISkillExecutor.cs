using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// The one way compiled C# skill code runs: every caller (the worker, <c>metaevolve skill test</c>, the operator
/// validating a Skill, agent-authored skills) hands over the assembly and limits, and the code runs out of
/// process in a skill host that can be killed without harming the caller.
/// </summary>
public interface ISkillExecutor
{
    /// <summary>Lists the assembly's functions as the model should see them (without running its code).</summary>
    public Task<SkillDescription> DescribeAsync(SkillAssembly assembly, SkillLimits limits, CancellationToken cancellationToken);

    /// <summary>Calls one function; every ending (value, exception, stop, host death) is an outcome, never a throw.</summary>
    public Task<SkillCallOutcome> CallAsync(SkillCallRequest request, CancellationToken cancellationToken);

    /// <summary>Runs a skill's declared tests, in order, each as one call.</summary>
    public Task<IReadOnlyList<SkillTestOutcome>> RunTestsAsync(SkillAssembly assembly, IReadOnlyList<SkillTestCaseDefinition> tests, SkillLimits limits, string tenant, CancellationToken cancellationToken);
}
