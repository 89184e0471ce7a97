using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// One version of an agent as this worker runs it: its definition, the skill versions it resolved, and the
/// Kernel built from them. Immutable; a reload builds a new snapshot and retires this one. Tasks hold a lease,
/// so a task finishes on the snapshot it started with, and the skill versions are returned to the cache only
/// after the last lease ends.
/// </summary>
public sealed class AgentSnapshot
{
    private readonly SkillPluginCache _cache;
    private int _references = 1; // the catalog's own, given up by Retire

    internal AgentSnapshot(AgentDefinition definition, IReadOnlyList<SkillPlugin> skills, Kernel kernel, IChatCompletionService? chat, SkillPluginCache cache, KernelPlugin? evolution = null)
    {
        Evolution = evolution;
        Definition = definition;
        Skills = skills;
        SkillDigests = skills.ToDictionary(s => s.Skill.Name, s => s.Skill.Digest, StringComparer.Ordinal);
        Kernel = kernel;
        Chat = chat;
        _cache = cache;
    }

    public AgentDefinition Definition { get; }
    public IReadOnlyList<SkillPlugin> Skills { get; }
    public Kernel Kernel { get; }

    /// <summary>The built-in evolution plugin, also in <see cref="Kernel"/>; null unless spec.evolution.enabled.</summary>
    public KernelPlugin? Evolution { get; }

    /// <summary>Null when the agent has no model: it runs direct skill calls only.</summary>
    public IChatCompletionService? Chat { get; }

    /// <summary>
    /// True when the agent uses <paramref name="skillName"/> without pinning a version: listed without one, or
    /// authored by it (spec.evolution.useAuthoredSkills). Any unlisted skill counts for an agent that may author,
    /// since a change may be the operator publishing its new skill.
    /// </summary>
    public bool FollowsLatest(string skillName) =>
        Definition.Skills.Any(s => s.Name == skillName && s.Version is null)
        || (Definition.Evolution.UseAuthoredSkills && Definition.Skills.All(s => s.Name != skillName)
            && (Definition.Evolution.Enabled || SkillDigests.ContainsKey(skillName)));

    /// <summary>Skill name → digest, as announced when the snapshot is applied.</summary>
    public IReadOnlyDictionary<string, string> SkillDigests { get; }

    /// <summary>False once retired and drained: the caller must fetch the current snapshot.</summary>
    internal bool TryAcquire()
    {
        var seen = Volatile.Read(ref _references);
        while (seen > 0)
        {
            var previous = Interlocked.CompareExchange(ref _references, seen + 1, seen);
            if (previous == seen)
            {
                return true;
            }

            seen = previous;
        }

        return false;
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            foreach (var skill in Skills)
            {
                _cache.Return(skill.Skill);
            }
        }
    }
}
