using System.Text.Json.Nodes;
using MetaEvolve.Core.Skills;
using MetaEvolve.Crds;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Which functions of an agent wait for a person's approval (<c>spec.requireApproval</c>: <c>"&lt;skill&gt;.&lt;function&gt;"</c>
/// or <c>"&lt;skill&gt;.*"</c>) and how long a task may wait (<c>spec.approvalTimeoutSeconds</c>). A skill is named as in
/// <c>spec.skills</c>; its kernel plugin name (dashes become underscores) matches too, since that is what models see.
/// </summary>
public sealed record ApprovalPolicy(IReadOnlyList<string> Patterns, int TimeoutSeconds)
{
    public static readonly ApprovalPolicy None = new([], AgentDefaults.ApprovalTimeoutSeconds);

    public bool IsEmpty => Patterns.Count == 0;

    public static ApprovalPolicy Parse(JsonArray? patterns, int? timeoutSeconds) => new(
        patterns is null ? [] : [.. patterns.Select(p => (string?)p).OfType<string>()],
        timeoutSeconds ?? AgentDefaults.ApprovalTimeoutSeconds);

    /// <summary>True when a call of <paramref name="function"/> of the skill (by its name or plugin name) needs approval.</summary>
    public bool Requires(string skillOrPlugin, string function)
    {
        foreach (var pattern in Patterns)
        {
            var dot = pattern.LastIndexOf('.');
            if (dot <= 0)
            {
                continue;
            }

            var skill = pattern[..dot];
            var name = pattern[(dot + 1)..];
            if (SameSkill(skill, skillOrPlugin) && (name == "*" || string.Equals(name, function, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SameSkill(string pattern, string skillOrPlugin) =>
        skillOrPlugin.Length > 0 && string.Equals(SkillNames.ToKernelName(pattern), SkillNames.ToKernelName(skillOrPlugin), StringComparison.Ordinal);
}
