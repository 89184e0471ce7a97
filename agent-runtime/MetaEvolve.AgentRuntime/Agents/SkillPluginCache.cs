using System.Text.Json.Nodes;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Hosting;
using MetaEvolve.Crds;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Loaded skill versions shared by every agent of the worker, by (skill, digest). Reference counted: agent
/// snapshots rent the versions they use and return them when retired. A C# skill's code never loads here: the
/// cache holds its compiled bytes and the functions a skill host reported, and calls run in skill hosts.
/// </summary>
public sealed class SkillPluginCache(CSharpSkillEngine engine, ISkillExecutor executor, AgentOptions options, ILogger<SkillPluginCache> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Ns, string Name, string Digest), Entry> _entries = [];

    /// <summary>Versions loaded now (tests and metrics watch unloading through it).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public async Task<SkillPlugin> RentAsync(StoredSkill skill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var key = (skill.Namespace, skill.Name, skill.Digest);
        Entry entry;
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                // Not bound to the renter's token: another renter may be waiting on the same load.
                entry = new Entry(LoadAsync(skill));
                _entries[key] = entry;
            }

            entry.References++;
        }

        try
        {
            return (await entry.Load.WaitAsync(cancellationToken)).Plugin;
        }
        catch
        {
            Return(skill);
            throw;
        }
    }

    public void Return(StoredSkill skill)
    {
        ArgumentNullException.ThrowIfNull(skill);
        var key = (skill.Namespace, skill.Name, skill.Digest);
        Entry? released = null;
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var entry) && --entry.References == 0)
            {
                _entries.Remove(key);
                released = entry;
            }
        }

        if (released is not null)
        {
            _ = UnloadAsync(skill, released);
        }
    }

    private async Task UnloadAsync(StoredSkill skill, Entry entry)
    {
        try
        {
            await entry.Load;
            logger.LogInformation("Unloaded skill {Namespace}/{Skill} {Digest}", skill.Namespace, skill.Name, skill.Digest);
        }
#pragma warning disable CA1031 // A load that failed has nothing to unload; its error went to the renters.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private async Task<Loaded> LoadAsync(StoredSkill skill)
    {
        var pluginName = SkillNames.ToKernelName(skill.Name);
        var spec = JsonNode.Parse(skill.SpecJson) as JsonObject ?? [];
        var description = (string?)spec["description"];
        switch (skill.Type)
        {
            case "CSharp":
                {
                    var source = (string?)spec["csharp"]?["source"]
                        ?? throw new SkillUnavailableException($"skill '{skill.Name}' ({skill.Digest}) is CSharp but has no spec.csharp.source");
                    var compilation = await engine.EnsureCompiledAsync(skill.Digest, source, CancellationToken.None);
                    if (!compilation.Succeeded)
                    {
                        throw new SkillUnavailableException(
                            $"skill '{skill.Name}' version {skill.Version} does not compile: {string.Join("; ", compilation.Diagnostics.Take(3).Select(d => d.ToString()))}");
                    }

                    var assembly = new SkillAssembly(skill.Digest, pluginName, compilation.Assembly!);
                    var described = await executor.DescribeAsync(assembly, options.SkillLimits, CancellationToken.None);
                    if (!described.Loaded)
                    {
                        throw new SkillUnavailableException($"skill '{skill.Name}' version {skill.Version} cannot be loaded: {described.Failure!.Error}");
                    }

                    logger.LogInformation("Loaded C# skill {Namespace}/{Skill} {Version} ({Digest})", skill.Namespace, skill.Name, skill.Version, skill.Digest);
                    return new Loaded(new SkillPlugin(skill, HostedSkillPlugin.Create(executor, assembly, description, described.Functions), assembly));
                }

            case "Prompt":
                {
                    var prompt = spec["prompt"] as JsonObject
                        ?? throw new SkillUnavailableException($"skill '{skill.Name}' ({skill.Digest}) is Prompt but has no spec.prompt");
                    var settings = prompt["executionSettings"] as JsonObject;
                    var build = PromptSkillFactory.Build(new PromptSkillDefinition(
                        pluginName,
                        description,
                        (string?)prompt["template"] ?? "",
                        (string?)prompt["format"],
                        [.. (prompt["inputVariables"] as JsonArray ?? []).OfType<JsonObject>().Select(v => new PromptSkillVariable(
                        (string?)v["name"] ?? "", (string?)v["description"], (string?)v["default"], (bool?)v["isRequired"] ?? SkillDefaults.InputVariableIsRequired))],
                        settings is null ? null : new PromptSkillSettings(
                            (double?)settings["temperature"], (double?)settings["topP"], (int?)settings["maxTokens"],
                            (settings["stopSequences"] as JsonArray)?.Select(s => (string?)s ?? "").ToList())));
                    if (!build.Succeeded)
                    {
                        throw new SkillUnavailableException(
                            $"skill '{skill.Name}' version {skill.Version} has an invalid template: {string.Join("; ", build.Diagnostics.Take(3).Select(d => d.ToString()))}");
                    }

                    logger.LogInformation("Loaded prompt skill {Namespace}/{Skill} {Version} ({Digest})", skill.Namespace, skill.Name, skill.Version, skill.Digest);
                    return new Loaded(new SkillPlugin(skill, Microsoft.SemanticKernel.KernelPluginFactory.CreateFromFunctions(pluginName, description, [build.Function!])));
                }

            default:
                throw new SkillUnavailableException($"skill '{skill.Name}' has unknown type '{skill.Type}'");
        }
    }

    private sealed record Loaded(SkillPlugin Plugin);

    private sealed class Entry(Task<Loaded> load)
    {
        public Task<Loaded> Load { get; } = load;
        public int References { get; set; }
    }
}
