using System.Collections.Concurrent;
using MetaEvolve.AgentRuntime.Agents.Evolution;
using MetaEvolve.Core.Skills;
using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// The agents this worker runs, one current <see cref="AgentSnapshot"/> each, built from the store on first use
/// and rebuilt when the config bucket announces a change to the agent or to a skill it uses. A task leases the
/// current snapshot; a rebuild swaps in the new one without waiting for running tasks, which finish on theirs.
/// A rebuild that fails (a skill version that does not load) keeps the last good snapshot.
/// </summary>
public sealed class AgentCatalog(AgentStoreReader reader, SkillPluginCache skills, ChatModelFactory models, SkillProposer proposer, AgentOptions options, ILogger<AgentCatalog> logger)
{
    private readonly ConcurrentDictionary<(string Ns, string Name), Slot> _slots = new();

    // Bumped by every change notice. A build that saw it move while reading the store reads again, so a
    // notice that arrives during a build is never lost to a snapshot built from the state before it.
    private long _epoch;

    /// <summary>Raised after a snapshot was built and swapped in (first load or reload).</summary>
    public event Action<AgentSnapshot>? Applied;

    /// <summary>Leases the agent's current snapshot, building it from the store when there is none.</summary>
    public async Task<AgentLease> AcquireAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd((ns, name), _ => new Slot());
        while (true)
        {
            if (slot.Current is { } current && current.TryAcquire())
            {
                return new AgentLease(current);
            }

            await RefreshAsync(ns, name, slot, onlyIfMissing: true, cancellationToken);
        }
    }

    /// <summary>The agent's digest in the store is now <paramref name="digest"/>: rebuild it if this worker has another.</summary>
    public async Task AgentChangedAsync(string ns, string name, string? digest, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _epoch);
        if (_slots.TryGetValue((ns, name), out var slot) && (slot.Current is not { } current || current.Definition.Digest != digest))
        {
            await RefreshAsync(ns, name, slot, onlyIfMissing: false, cancellationToken);
        }
    }

    /// <summary>A skill's latest version is now <paramref name="digest"/>: rebuild the agents following it that run another.</summary>
    public async Task SkillChangedAsync(string ns, string skill, string? digest, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _epoch);
        foreach (var ((slotNs, name), slot) in _slots)
        {
            // A slot whose first build is under way has no snapshot yet; the epoch makes that build read again.
            // Pinned agents are not touched: their version is immutable.
            if (slotNs == ns && slot.Current is { } current && current.FollowsLatest(skill)
                && (!current.SkillDigests.TryGetValue(skill, out var running) || running != digest))
            {
                await RefreshAsync(ns, name, slot, onlyIfMissing: false, cancellationToken);
            }
        }
    }

    /// <summary>Builds the agents of the pool before the first task asks, so a new worker starts from the current state.</summary>
    public async Task PreloadAsync(string ns, string pool, CancellationToken cancellationToken)
    {
        foreach (var name in await reader.ListPoolAgentsAsync(ns, pool, cancellationToken))
        {
            try
            {
                using var lease = await AcquireAsync(ns, name, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Its tasks will report why; the worker serves the other agents meanwhile.
                logger.LogWarning(exception, "Agent {Namespace}/{Agent} could not be loaded at start", ns, name);
            }
        }
    }

    private async Task RefreshAsync(string ns, string name, Slot slot, bool onlyIfMissing, CancellationToken cancellationToken)
    {
        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            if (onlyIfMissing && slot.Current is not null)
            {
                return;
            }

            AgentSnapshot? built;
            try
            {
                long epoch;
                do
                {
                    epoch = Interlocked.Read(ref _epoch);
                    built = await BuildAsync(ns, name, cancellationToken);
                    if (Interlocked.Read(ref _epoch) != epoch && built is not null)
                    {
                        built.Release();
                        built = null;
                        continue;
                    }

                    break;
                }
                while (true);
            }
            catch (Exception exception) when (slot.Current is not null && exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "Reloading agent {Namespace}/{Agent} failed; it keeps running digest {Digest}", ns, name, slot.Current.Definition.Digest);
                return;
            }

            var previous = slot.Current;
            slot.Current = built;
            previous?.Release();
            if (built is null)
            {
                _slots.TryRemove(new KeyValuePair<(string, string), Slot>((ns, name), slot));
                if (previous is not null)
                {
                    logger.LogInformation("Agent {Namespace}/{Agent} was removed from the store", ns, name);
                }

                throw new AgentNotFoundException($"unknown agent '{name}' in namespace '{ns}'");
            }

            logger.LogInformation("Agent {Namespace}/{Agent} {Change} at digest {Digest} with skills {Skills}",
                ns, name, previous is null ? "loaded" : "reloaded", built.Definition.Digest,
                string.Join(", ", built.Skills.Select(s => $"{s.Skill.Name}@{s.Skill.Version}")));
            Applied?.Invoke(built);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    private async Task<AgentSnapshot?> BuildAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var definition = await reader.FindAgentAsync(ns, name, cancellationToken);
        if (definition is null)
        {
            return null;
        }

        var rented = new List<SkillPlugin>();
        try
        {
            foreach (var reference in definition.Skills)
            {
                var stored = await reader.ResolveSkillAsync(definition, reference, cancellationToken);
                rented.Add(await skills.RentAsync(stored, cancellationToken));
            }

            if (definition.Evolution.UseAuthoredSkills)
            {
                await RentAuthoredAsync(definition, rented, cancellationToken);
            }

            var chat = definition.Model is null ? null : models.Create(definition);
            var builder = Kernel.CreateBuilder();
            if (chat is not null)
            {
                builder.Services.AddSingleton(chat);
            }

            foreach (var skill in rented)
            {
                builder.Plugins.Add(skill.Plugin);
            }

            var evolution = definition.Evolution.Enabled ? EvolutionPlugin.Create(proposer, definition) : null;
            if (evolution is not null)
            {
                if (rented.Any(s => s.Plugin.Name == EvolutionPlugin.Name))
                {
                    throw new SkillUnavailableException($"skill '{EvolutionPlugin.Name}' cannot be used by an agent with spec.evolution.enabled: the name is the built-in plugin's");
                }

                builder.Plugins.Add(evolution);
            }

            var kernel = builder.Build();
            new SkillCallScope($"{definition.Namespace}/{definition.Name}", options.SkillLimits).Attach(kernel);
            return new AgentSnapshot(definition, rented, kernel, chat, skills, evolution);
        }
        catch
        {
            foreach (var skill in rented)
            {
                skills.Return(skill.Skill);
            }

            throw;
        }
    }

    /// <summary>
    /// Adds the published skills the agent authored that spec.skills does not list, at their latest version. They are
    /// implicit, so one that cannot be loaded is left out with a warning instead of failing the agent.
    /// </summary>
    private async Task RentAuthoredAsync(AgentDefinition definition, List<SkillPlugin> rented, CancellationToken cancellationToken)
    {
        foreach (var authored in await reader.ListAuthoredSkillsAsync(definition.Namespace, definition.Name, cancellationToken))
        {
            if (definition.Skills.Any(s => s.Name == authored) || SkillNames.ToKernelName(authored) == EvolutionPlugin.Name)
            {
                continue;
            }

            try
            {
                var stored = await reader.ResolveSkillAsync(definition, new AgentSkillReference(authored, null), cancellationToken);
                rented.Add(await skills.RentAsync(stored, cancellationToken));
            }
            catch (SkillUnavailableException exception)
            {
                logger.LogWarning(exception, "Agent {Namespace}/{Agent} runs without its authored skill {Skill}", definition.Namespace, definition.Name, authored);
            }
        }
    }

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public volatile AgentSnapshot? Current;
    }
}
